// Reading a fleet prefix in pages, never a whole prefix in one answer: a listing of
// 10,000 hosts is ~20 pages of 500, and a page holding junk (values up to etcd's 1.5 MiB
// each) is refused by gRPC past PAGE_MAX_BYTES without being buffered (the client's
// receive limit), then read again one key at a time, each oversized value skipped and
// counted. The admin's memory stays bounded by a page, whatever the keys hold.
import type { Etcd3, IKeyValue } from "etcd3";
import { Range } from "etcd3";
import { VALUE_MAX_BYTES } from "./command.js";

export const PAGE_KEYS = 500;
/** The view's gRPC receive limit: a page of 500 records of at most 1 KiB fits in it; a junk
 *  value of up to etcd's 1.5 MiB, even alone, does not, and is refused unread. */
export const PAGE_MAX_BYTES = 1024 * 1024;

const tooLarge = (err: unknown) =>
  err instanceof Error && /larger than max|RESOURCE_EXHAUSTED|message length/i.test(err.message);

/** A value-bearing key, or one skipped for its size (its key and mod revision kept, to forget it). */
export interface PagedKv {
  kv: IKeyValue;
  oversized: boolean;
}

/** Every key of the prefix with its value (unless keysOnly), page after page, in key order. */
export async function* readPrefix(
  client: Etcd3,
  prefix: string,
  keysOnly = false,
  pageKeys = PAGE_KEYS,
): AsyncGenerator<PagedKv> {
  const end = Range.prefix(prefix).end;
  let start = Buffer.from(prefix);
  for (;;) {
    const page = (keys_only: boolean) =>
      client.kv.range({ key: start, range_end: end, limit: String(pageKeys), keys_only });
    let kvs: IKeyValue[];
    let more: boolean;
    try {
      ({ kvs, more } = await page(keysOnly));
      for (const kv of kvs) yield { kv, oversized: kv.value.length > VALUE_MAX_BYTES };
    } catch (err) {
      if (keysOnly || !tooLarge(err)) throw err;
      ({ kvs, more } = await page(true));
      for (const k of kvs) yield await one(client, k);
    }
    if (!more || kvs.length === 0) return;
    start = Buffer.concat([kvs.at(-1)!.key, Buffer.from([0])]);
  }
}

/** One key read alone: its value, or marked oversized (too large even alone, or over the limit). */
async function one(client: Etcd3, k: IKeyValue): Promise<PagedKv> {
  try {
    const kv = (await client.get(k.key).exec()).kvs[0] ?? k;
    return { kv, oversized: kv.value.length > VALUE_MAX_BYTES };
  } catch (err) {
    if (!tooLarge(err)) throw err;
    return { kv: k, oversized: true };
  }
}
