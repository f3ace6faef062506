// The pure parts of the config_url source: URL rules, size cap, error messages, cache file.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  checkRemoteUrl,
  contentLengthOver,
  describeHttpStatus,
  formatCacheFile,
  parseCacheFile,
  parseRemoteText,
  readCapped,
  RemoteConfigError,
  toRemoteError,
} from "../../src/config/remote/url-source.js";
import { formatBytes } from "../../src/config/units.js";

const U = "https://conf.example.org/plancton.yaml";

function streamOf(chunks: number[], onCancel?: () => void): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const n = chunks[i++];
      if (n === undefined) controller.close();
      else controller.enqueue(new Uint8Array(n).fill(0x61));
    },
    cancel() {
      onCancel?.();
    },
  });
}

test("https only, unless plain http is allowed; other schemes never", () => {
  assert.equal(checkRemoteUrl(U, false), undefined);
  const http = checkRemoteUrl("http://conf.example.org/c.yaml", false);
  assert.equal(http?.kind, "insecure");
  assert.equal(
    http?.message,
    "remote config http://conf.example.org/c.yaml: plain http is refused: use https, or set allow_insecure_http: true in the local config.yaml",
  );
  assert.equal(checkRemoteUrl("http://conf.example.org/c.yaml", true), undefined);
  assert.equal(checkRemoteUrl("file:///etc/passwd", true)?.kind, "url");
  assert.equal(checkRemoteUrl("ftp://x/c.yaml", true)?.kind, "url");
  assert.equal(checkRemoteUrl("not a url", true)?.kind, "url");
});

test("a declared content-length over the cap is caught before reading", () => {
  assert.equal(contentLengthOver(null, 1024), undefined);
  assert.equal(contentLengthOver("1024", 1024), undefined);
  assert.equal(contentLengthOver("1025", 1024), 1025);
  assert.equal(contentLengthOver("2097152", 1048576), 2097152);
  assert.equal(
    contentLengthOver("garbage", 1024),
    undefined,
    "an invalid header is left to the streaming cap",
  );
});

test("the streaming cap stops reading as soon as the body is over it, and cancels the stream", async () => {
  assert.equal(
    (await readCapped(streamOf([400, 400, 224]), 1024))?.byteLength,
    1024,
    "exactly the cap is fine",
  );
  let cancelled = false;
  let pulledAfter = false;
  const chunks = [600, 600];
  const s = new ReadableStream<Uint8Array>({
    pull(c) {
      const n = chunks.shift();
      if (n === undefined) {
        pulledAfter = true;
        c.close();
      } else c.enqueue(new Uint8Array(n));
    },
    cancel() {
      cancelled = true;
    },
  });
  assert.equal(await readCapped(s, 1024), undefined);
  assert.ok(cancelled, "the stream is cancelled (the connection closed)");
  assert.ok(!pulledAfter, "nothing more is read");
  assert.equal((await readCapped(null, 10))?.byteLength, 0);
  const joined = await readCapped(streamOf([3, 2]), 10);
  assert.deepEqual([...(joined ?? [])], [0x61, 0x61, 0x61, 0x61, 0x61]);
});

test("invalid YAML: one line naming the URL and the line", () => {
  assert.deepEqual(parseRemoteText("main_sleep: 5\n", U), { main_sleep: 5 });
  assert.deepEqual(parseRemoteText("", U), {});
  assert.throws(
    () => parseRemoteText("main_sleep: 5\nbinds: [a\ngrace_kill: 3\n", U),
    (err: unknown) => {
      assert.ok(err instanceof RemoteConfigError);
      assert.equal(err.kind, "yaml");
      assert.match(
        err.message,
        /^remote config https:\/\/conf\.example\.org\/plancton\.yaml: line \d+:\d+: invalid YAML: /,
      );
      assert.ok(!err.message.includes("\n"), err.message);
      return true;
    },
  );
  assert.throws(() => parseRemoteText("- a\n- b\n", U), /line 1: the config must be a map of keys/);
});

test("HTTP statuses say what to do", () => {
  assert.equal(
    describeHttpStatus(404, "Not Found"),
    "HTTP 404 Not Found: no config at this address; check config_url",
  );
  assert.match(
    describeHttpStatus(500, "Internal Server Error"),
    /^HTTP 500 Internal Server Error: the server failed; the last good copy stays/,
  );
  assert.match(describeHttpStatus(403, ""), /^HTTP 403: the server refuses access/);
  assert.match(describeHttpStatus(204, "No Content"), /expected 200 or 304/);
});

test("network errors become one line naming the URL", () => {
  const refused = toRemoteError(
    U,
    Object.assign(new TypeError("fetch failed"), {
      cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
    }),
    10_000,
  );
  assert.equal(refused.kind, "unreachable");
  assert.equal(
    refused.message,
    `remote config ${U}: connection refused by conf.example.org: nothing listens there; check config_url and that the server runs`,
  );
  const dns = toRemoteError(
    U,
    Object.assign(new TypeError("fetch failed"), {
      cause: Object.assign(new Error("getaddrinfo"), { code: "ENOTFOUND" }),
    }),
    10_000,
  );
  assert.match(dns.message, /host conf\.example\.org not found \(ENOTFOUND\)/);
  const timeout = toRemoteError(
    U,
    new DOMException("The operation was aborted due to timeout", "TimeoutError"),
    2500,
  );
  assert.equal(timeout.kind, "timeout");
  assert.equal(
    timeout.message,
    `remote config ${U}: no complete answer within 2.5 s; check the server and the network`,
  );
  const tls = toRemoteError(
    U,
    Object.assign(new TypeError("fetch failed"), {
      cause: Object.assign(new Error("self signed"), { code: "DEPTH_ZERO_SELF_SIGNED_CERT" }),
    }),
    1000,
  );
  assert.match(tls.message, /TLS certificate problem \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);
  const same = new RemoteConfigError(U, "http", "x");
  assert.equal(toRemoteError(U, same, 1), same);
});

test("size limits are shown in binary units", () => {
  assert.equal(formatBytes(1024 * 1024), "1 MiB");
  assert.equal(formatBytes(64 * 1024), "64 KiB");
  assert.equal(formatBytes(1536 * 1024), "1.5 MiB");
  assert.equal(formatBytes(1000), "1000 B");
});

test("the cache file is the remote text behind one comment line of metadata", () => {
  const text = "# site config\nmain_sleep: 5\n";
  const file = formatCacheFile(
    { url: U, etag: '"v1"', lastModified: "Wed, 01 Jan 2025 00:00:00 GMT", fetchedAtMs: 1234 },
    text,
  );
  assert.ok(file.startsWith("# "), "still a YAML file");
  assert.ok(file.endsWith(text));
  assert.deepEqual(parseCacheFile(file), {
    meta: { url: U, etag: '"v1"', lastModified: "Wed, 01 Jan 2025 00:00:00 GMT", fetchedAtMs: 1234 },
    text,
  });
  assert.deepEqual(parseRemoteText(file, U), { main_sleep: 5 });
  assert.equal(parseCacheFile(text), undefined, "not a cache file");
  assert.equal(parseCacheFile("# plancton remote-config cache, do not edit: {broken\nx: 1\n"), undefined);
  assert.equal(parseCacheFile('# plancton remote-config cache, do not edit: {"url":1}\nx: 1\n'), undefined);
});
