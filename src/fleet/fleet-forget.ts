// `planctonctl fleet forget`: removes the records of hosts gone for longer than a while
// (their status and their command key), and gone records that are not a host's record
// (unreadable or over 4 KiB: a host writes its own again when it comes back). Deletes go
// in transactions of FORGET_BATCH hosts, each key deleted only if nobody wrote it since it
// was read (the host may just have come back); a batch where one was rewritten is done
// again host by host.
import type { Etcd3 } from "etcd3";
import { fleetKeys } from "./keys.js";
import { listFleet } from "./fleet-view.js";

/** 2 deletes per host: 120 operations, under etcd's default --max-txn-ops (128). */
export const FORGET_BATCH = 60;

export interface Forgotten {
  forgotten: string[];
  /** Written again since the listing: kept. */
  kept: string[];
}

export async function forgetGone(
  client: Etcd3,
  prefix: string,
  nowMs: number,
  goneForMs: number,
): Promise<Forgotten> {
  const keys = fleetKeys(prefix);
  const l = await listFleet(client, prefix, nowMs);
  const stale = [
    ...l.hosts
      .filter((h) => h.state === "gone" && nowMs - h.atMs > goneForMs)
      .map((h) => ({ name: h.name, revision: l.revisions.get(h.name)! })),
    ...l.unreadable.filter((h) => h.state === "gone"),
  ];
  const out: Forgotten = { forgotten: [], kept: [] };
  const txn = (batch: { name: string; revision: string }[]) => {
    let t = client.if(keys.status(batch[0]!.name), "Mod", "==", batch[0]!.revision);
    for (const h of batch.slice(1)) t = t.and(keys.status(h.name), "Mod", "==", h.revision);
    return t
      .then(
        ...batch.flatMap((h) => [
          client.delete().key(keys.status(h.name)),
          client.delete().key(keys.command(h.name)),
        ]),
      )
      .commit();
  };
  for (let i = 0; i < stale.length; i += FORGET_BATCH) {
    const batch = stale.slice(i, i + FORGET_BATCH);
    if ((await txn(batch)).succeeded) {
      out.forgotten.push(...batch.map((h) => h.name));
      continue;
    }
    for (const h of batch) ((await txn([h])).succeeded ? out.forgotten : out.kept).push(h.name);
  }
  return out;
}
