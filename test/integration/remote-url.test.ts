// config_url against a real HTTP server on 127.0.0.1 told to misbehave: for every fault
// the last good copy stays (in memory and in the cache), one error event per distinct
// error, and status() says stale since when. Also: ETag/Last-Modified -> 304, the cache
// at a restart with the server down, plain http refused unless allowed.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { assertRemoteAllowed } from "../../src/config/remote/privileges.js";
import { layerConfig } from "../../src/config/remote/layers.js";
import {
  parseCacheFile,
  RemoteConfigSource,
  type RemoteConfigCopy,
  type RemoteConfigSourceOptions,
} from "../../src/config/remote/url-source.js";
import { closedPort, startFaultServer, type FaultServer } from "../helpers/fault-http-server.js";

const GOOD = "# site config v1\ndocker_image: site/pilot:1\nmain_sleep: 15\n";
const GOOD2 = "# site config v2\ndocker_image: site/pilot:2\nmain_sleep: 20\n";

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "plancton-remote-url-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A source wired like the daemon: privileges and layering decide before anything is cached. */
function makeSource(
  url: string,
  cacheName: string,
  extra: Partial<RemoteConfigSourceOptions> & { localRaw?: Record<string, unknown> } = {},
) {
  const events = { updates: [] as RemoteConfigCopy[], errors: [] as string[], recovered: 0 };
  const localRaw = extra.localRaw ?? {};
  const source = new RemoteConfigSource({
    url,
    everySeconds: 0,
    allowInsecureHttp: true,
    cacheFile: path.join(dir, cacheName),
    timeoutMs: 1500,
    accept: ({ raw, text }) => {
      assertRemoteAllowed(raw, localRaw, url, text);
      layerConfig(
        { remote: raw, local: localRaw, remoteName: url, remoteText: text },
        path.join(dir, "config.yaml"),
      );
    },
    ...extra,
  });
  source.on("update", (c) => events.updates.push(c));
  source.on("error", (e) => events.errors.push(e.message));
  source.on("recovered", () => events.recovered++);
  return { source, events };
}

describe("a source that had a good copy meets every fault", () => {
  let server: FaultServer;
  let now = 1_000_000;
  let s: ReturnType<typeof makeSource>;
  const cacheText = async () => parseCacheFile(await readFile(path.join(dir, "faults.yaml"), "utf8"))?.text;

  before(async () => {
    server = await startFaultServer({ kind: "ok", body: GOOD, etag: '"v1"' });
    s = makeSource(server.url(), "faults.yaml", { clock: () => now });
    await s.source.start();
  });
  after(async () => {
    await s.source.close();
    await server.stop();
  });

  test("the first fetch is accepted, applied and cached", async () => {
    assert.equal(s.events.updates.length, 1);
    assert.equal(s.events.updates[0]?.raw.main_sleep, 15);
    assert.equal(s.events.updates[0]?.fromCache, false);
    assert.deepEqual(s.source.current(), {
      raw: { docker_image: "site/pilot:1", main_sleep: 15 },
      text: GOOD,
      fetchedAtMs: now,
      etag: '"v1"',
      lastModified: undefined,
      fromCache: false,
    });
    assert.equal(await cacheText(), GOOD);
    assert.equal(s.source.status().stale, false);
    assert.equal(s.source.status().lastSuccessAtMs, now);
  });

  test("unchanged: the request carries the ETag, the answer is 304, nothing is re-applied", async () => {
    now += 1000;
    const before = server.requests.length;
    await s.source.refresh();
    assert.equal(server.requests.length, before + 1);
    assert.equal(server.requests.at(-1)?.headers["if-none-match"], '"v1"');
    assert.equal(s.events.updates.length, 1);
    assert.equal(s.source.status().lastSuccessAtMs, now);
  });

  const faults: { name: string; answer: Parameters<FaultServer["answer"]>[0]; message: RegExp }[] = [
    {
      name: "404",
      answer: { kind: "status", status: 404 },
      message: /: HTTP 404 Not Found: no config at this address; check config_url$/,
    },
    {
      name: "500",
      answer: { kind: "status", status: 500 },
      message: /: HTTP 500 Internal Server Error: the server failed/,
    },
    {
      name: "timeout (the server hangs)",
      answer: { kind: "hang" },
      message: /: no complete answer within 1\.5 s; check the server and the network$/,
    },
    {
      name: "oversize body with content-length",
      answer: { kind: "oversize", bytes: 2 * 1024 * 1024, contentLength: true },
      message: /: the body is \d+ bytes, over the 1 MiB limit/,
    },
    {
      name: "oversize body without content-length",
      answer: { kind: "oversize", bytes: 2 * 1024 * 1024, contentLength: false },
      message: /: the body is over the 1 MiB limit \(stopped reading\)/,
    },
    {
      name: "invalid YAML",
      answer: { kind: "ok", body: "main_sleep: 15\nbinds: [/a:/b\ngrace_kill: 1\n", etag: '"bad-yaml"' },
      message: /: line \d+:\d+: invalid YAML: /,
    },
    {
      name: "schema violation",
      answer: { kind: "ok", body: "docker_image: site/pilot:3\nmain_sleep: soon\n", etag: '"bad-schema"' },
      message: /: rejected, the last good copy stays: line 2:1: main_sleep: "soon" is not a duration/,
    },
    {
      name: "a privilege not allowed",
      answer: { kind: "ok", body: "docker_image: site/pilot:3\ndocker_privileged: true\n", etag: '"priv"' },
      message:
        /: rejected, the last good copy stays: line 2:1: docker_privileged: grants host privileges .*set allow_remote_privileges: true in the LOCAL config\.yaml to accept$/,
    },
    {
      name: "a local-only key",
      answer: { kind: "ok", body: "config_url: https://evil.example/c.yaml\n", etag: '"local-only"' },
      message: /config_url: only the local config\.yaml may set this key/,
    },
    {
      name: "a redirect loop",
      answer: { kind: "redirect", location: "/config.yaml" },
      message: /more than 5 redirects/,
    },
  ];

  for (const f of faults) {
    test(`${f.name}: the last good copy stays, one error event for two failures, stale since the first`, async () => {
      const errors0 = s.events.errors.length;
      const count0 = s.source.status().errors;
      server.answer(f.answer);
      now += 1000;
      const failedAt = now;
      await s.source.refresh();
      now += 1000;
      await s.source.refresh();
      const st = s.source.status();
      assert.equal(
        s.events.errors.length,
        errors0 + 1,
        `errors: ${JSON.stringify(s.events.errors.slice(errors0))}`,
      );
      const msg = s.events.errors.at(-1) ?? "";
      assert.match(msg, f.message);
      assert.ok(msg.startsWith(`remote config ${server.url()}: `), msg);
      assert.ok(!msg.includes("\n"), `one line: ${msg}`);
      assert.equal(st.stale, true);
      assert.equal(st.staleSinceMs, failedAt);
      assert.equal(st.lastError, msg);
      assert.equal(st.errors, count0 + 2, "the counter counts every failed attempt");
      assert.equal(s.source.current().text, GOOD);
      assert.equal(s.events.updates.length, 1, "nothing new applied");
      assert.equal(await cacheText(), GOOD, "the cache holds only accepted copies");

      // The server heals: 304 for the copy in force, no longer stale.
      server.answer({ kind: "ok", body: GOOD, etag: '"v1"' });
      now += 1000;
      const recovered0 = s.events.recovered;
      await s.source.refresh();
      assert.equal(s.source.status().stale, false);
      assert.equal(s.source.status().staleSinceMs, undefined);
      assert.equal(s.events.recovered, recovered0 + 1);
    });
  }

  test("the same error after a recovery is reported again", async () => {
    const errors0 = s.events.errors.length;
    server.answer({ kind: "status", status: 404 });
    await s.source.refresh();
    assert.equal(s.events.errors.length, errors0 + 1);
    server.answer({ kind: "ok", body: GOOD, etag: '"v1"' });
    await s.source.refresh();
  });

  test("a new version is applied and replaces the cached copy", async () => {
    server.answer({ kind: "ok", body: GOOD2, etag: '"v2"' });
    now += 1000;
    await s.source.refresh();
    assert.equal(s.events.updates.length, 2);
    assert.equal(s.events.updates[1]?.raw.main_sleep, 20);
    assert.equal(s.source.current().etag, '"v2"');
    assert.equal(await cacheText(), GOOD2);
    const cached = parseCacheFile(await readFile(path.join(dir, "faults.yaml"), "utf8"));
    assert.equal(cached?.meta.etag, '"v2"');
    assert.equal(cached?.meta.url, server.url());
  });
});

test("Last-Modified without ETag: If-Modified-Since, and 304", async () => {
  const lastModified = "Wed, 01 Jan 2025 10:00:00 GMT";
  const server = await startFaultServer({ kind: "ok", body: GOOD, lastModified });
  const s = makeSource(server.url(), "ims.yaml");
  try {
    await s.source.start();
    await s.source.refresh();
    assert.equal(server.requests[1]?.headers["if-modified-since"], lastModified);
    assert.equal(server.requests[1]?.headers["if-none-match"], undefined);
    assert.equal(s.events.updates.length, 1);
    assert.equal(s.source.status().stale, false);
  } finally {
    await s.source.close();
    await server.stop();
  }
});

test("a server without validators: the same body is not re-applied", async () => {
  const server = await startFaultServer({ kind: "ok", body: GOOD });
  const s = makeSource(server.url(), "plain.yaml");
  try {
    await s.source.start();
    await s.source.refresh();
    assert.equal(server.requests.length, 2);
    assert.equal(s.events.updates.length, 1);
  } finally {
    await s.source.close();
    await server.stop();
  }
});

test("privileges are accepted when the LOCAL config allows them", async () => {
  const body = "docker_privileged: true\ndevices: [/dev/fuse]\ncapabilities: [SYS_ADMIN]\n";
  const server = await startFaultServer({ kind: "ok", body, etag: '"p"' });
  const s = makeSource(server.url(), "allowed.yaml", { localRaw: { allow_remote_privileges: true } });
  try {
    await s.source.start();
    assert.deepEqual(s.events.errors, []);
    assert.equal(s.source.current().raw?.docker_privileged, true);
  } finally {
    await s.source.close();
    await server.stop();
  }
});

test("a restart with the server down starts from the cached copy", async () => {
  const server = await startFaultServer({ kind: "ok", body: GOOD2, etag: '"v2"' });
  const url = server.url();
  const first = makeSource(url, "restart.yaml");
  await first.source.start();
  await first.source.close();
  await server.stop(); // nothing listens on that port any more

  const now = 5_000_000;
  const second = makeSource(url, "restart.yaml", { clock: () => now });
  try {
    await second.source.start();
    assert.equal(second.events.updates.length, 1);
    assert.equal(second.events.updates[0]?.fromCache, true);
    assert.equal(second.events.updates[0]?.raw.main_sleep, 20);
    assert.equal(second.source.current().text, GOOD2);
    const st = second.source.status();
    assert.equal(st.stale, true);
    assert.equal(st.staleSinceMs, now);
    assert.equal(st.fromCache, true);
    assert.match(st.lastError ?? "", /connection refused by 127\.0\.0\.1:\d+: nothing listens there/);
    assert.equal(second.events.errors.length, 1);
  } finally {
    await second.source.close();
  }

  // The cache is for one URL: another config_url does not start from it.
  const port = await closedPort();
  const other = makeSource(`http://127.0.0.1:${port}/config.yaml`, "restart.yaml");
  try {
    await other.source.start();
    assert.equal(other.events.updates.length, 0);
    assert.deepEqual(other.source.current(), {});
  } finally {
    await other.source.close();
  }
});

test("a restart with the server up: the cached copy is confirmed by a 304, not fetched again", async () => {
  const server = await startFaultServer({ kind: "ok", body: GOOD, etag: '"c1"' });
  try {
    const first = makeSource(server.url(), "confirm.yaml");
    await first.source.start();
    await first.source.close();
    const second = makeSource(server.url(), "confirm.yaml");
    await second.source.start();
    await second.source.close();
    assert.equal(server.requests[1]?.headers["if-none-match"], '"c1"', "the cached ETag is sent");
    assert.equal(second.events.updates.length, 1, "only the cached copy, at start");
    assert.equal(second.source.status().fromCache, false, "confirmed by the server");
    assert.equal(second.source.status().stale, false);
  } finally {
    await server.stop();
  }
});

test("a cached copy the local config no longer allows is not used", async () => {
  const server = await startFaultServer({ kind: "ok", body: "binds: [/cvmfs:/cvmfs:ro]\n", etag: '"b"' });
  const url = server.url();
  const allowed = makeSource(url, "revoked.yaml", { localRaw: { allow_remote_privileges: true } });
  await allowed.source.start();
  await allowed.source.close();
  await server.stop();
  const revoked = makeSource(url, "revoked.yaml");
  try {
    await revoked.source.start();
    assert.equal(revoked.events.updates.length, 0);
    assert.deepEqual(revoked.source.current(), {});
    assert.match(revoked.events.errors[0] ?? "", /binds: grants host privileges/);
  } finally {
    await revoked.source.close();
  }
});

test("unreachable host: a clear error, no copy", async () => {
  const port = await closedPort();
  const s = makeSource(`http://127.0.0.1:${port}/config.yaml`, "unreachable.yaml");
  try {
    await s.source.start();
    await s.source.refresh();
    assert.deepEqual(s.events.errors, [
      `remote config http://127.0.0.1:${port}/config.yaml: connection refused by 127.0.0.1:${port}: nothing listens there; check config_url and that the server runs`,
    ]);
    assert.equal(s.source.status().errors, 2);
    assert.equal(s.source.status().stale, true);
  } finally {
    await s.source.close();
  }
});

test("plain http is refused unless allowed: no request is even made", async () => {
  const server = await startFaultServer({ kind: "ok", body: GOOD });
  const cacheFile = path.join(dir, "http.yaml");
  await writeFile(
    cacheFile,
    `# plancton remote-config cache, do not edit: ${JSON.stringify({ url: server.url(), fetchedAtMs: 1 })}\n${GOOD}`,
  );
  const s = makeSource(server.url(), "http.yaml", { allowInsecureHttp: false });
  try {
    await s.source.start();
    assert.equal(server.requests.length, 0);
    assert.deepEqual(s.events.errors, [
      `remote config ${server.url()}: plain http is refused: use https, or set allow_insecure_http: true in the local config.yaml`,
    ]);
    assert.deepEqual(s.source.current(), {}, "nor is a cached copy of an http URL used");
    assert.equal(s.source.status().stale, true);
  } finally {
    await s.source.close();
    await server.stop();
  }
});

test("a redirect to plain http is refused like the URL itself", async () => {
  const target = await startFaultServer({ kind: "ok", body: GOOD });
  const server = await startFaultServer({ kind: "redirect", location: target.url() });
  // Pretend the first hop is trusted while http is disallowed: fetchRemoteText checks each hop.
  const { fetchRemoteText } = await import("../../src/config/remote/url-source.js");
  try {
    await assert.rejects(
      fetchRemoteText(server.url(), { allowInsecureHttp: false, timeoutMs: 2000, maxBytes: 1024 }),
      /plain http is refused/,
    );
    const ok = await fetchRemoteText(server.url(), {
      allowInsecureHttp: true,
      timeoutMs: 2000,
      maxBytes: 1024,
    });
    assert.equal(ok.notModified ? "" : ok.text, GOOD);
    assert.equal(target.requests.length, 1);
  } finally {
    await server.stop();
    await target.stop();
  }
});

test("close() during a hanging fetch returns promptly and reports nothing", async () => {
  const server = await startFaultServer({ kind: "hang" });
  const s = makeSource(server.url(), "close.yaml", { timeoutMs: 30_000 });
  try {
    const started = s.source.start();
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    const t0 = Date.now();
    await s.source.close();
    await started;
    assert.ok(Date.now() - t0 < 2000);
    assert.deepEqual(s.events.errors, []);
  } finally {
    await server.stop();
  }
});
