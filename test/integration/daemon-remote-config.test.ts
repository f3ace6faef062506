// The daemon follows a remote config (config_url) layered under the local file, keeps
// the last good one through a bad remote, and refuses privileges the local file did not allow.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { planctonctl } from "../helpers/cli.js";
import { requireDocker } from "../helpers/docker.js";
import { startFaultServer, type FaultServer } from "../helpers/fault-http-server.js";
import { FixedObserver } from "../helpers/fixed-observer.js";
import { logged, startDaemon, type Harness } from "../helpers/daemon-harness.js";
import { waitFor } from "../helpers/wait.js";

let server: FaultServer;
let h: Harness;

before(async () => {
  await requireDocker();
  server = await startFaultServer({ kind: "ok", body: "max_docks: 1\nmain_sleep: 7\n", etag: '"v1"' });
  h = await startDaemon(
    "remote",
    `config_url: ${server.url("/c.yaml")}\nallow_insecure_http: true\nconfig_url_every: 1\nmain_sleep: 2\n`,
    { observer: new FixedObserver() },
  );
});

after(async () => {
  await h.cleanup();
  await server.stop();
});

test("remote keys apply under local ones, with their source", () => {
  const s = h.daemon.snapshot();
  assert.equal(s.maxDocks, 1, "max_docks from the remote");
  assert.equal(s.configSources?.max_docks, "remote");
  assert.equal(s.configSources?.main_sleep, "local", "the local file wins");
  assert.equal(s.configSources?.grace_kill, "default");
});

test("config check shows which layer each value came from, from the cached remote copy", async () => {
  const r = await planctonctl(["config", "check", "--json", h.configFile]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { sources: Record<string, string>; config: { max_docks: number } };
  assert.deepEqual(
    [out.sources.max_docks, out.sources.main_sleep, out.sources.grace_kill],
    ["remote", "local", "default"],
  );
  assert.equal(out.config.max_docks, 1);
  const text = await planctonctl(["config", "check", h.configFile]);
  assert.match(text.stdout, /^max_docks +1 = 1 on this host +\(remote\)$/m);
});

test("a remote change is applied; a broken remote keeps the last good config and says stale", async () => {
  server.answer({ kind: "ok", body: "max_docks: 2\n", etag: '"v2"' });
  await waitFor("max_docks 2 from the remote", () => h.daemon.snapshot().maxDocks === 2, 10_000);
  server.answer({ kind: "ok", body: "max_docks: [oops\n", etag: '"v3"' });
  await waitFor(
    "stale remote",
    () => (h.daemon.snapshot().remote?.url as { stale: boolean } | undefined)?.stale === true,
    10_000,
  );
  server.answer({ kind: "status", status: 500 });
  await waitFor("a 500 reported", () => logged(h, /remote config: .*500/).length >= 1, 10_000);
  assert.equal(h.daemon.snapshot().maxDocks, 2, "last good config stays");
});

test("a remote asking for privileges is rejected as a whole", async () => {
  server.answer({ kind: "ok", body: "max_docks: 3\ndocker_privileged: true\n", etag: '"v4"' });
  await waitFor("the privilege refusal logged", () => logged(h, /docker_privileged/).length >= 1, 10_000);
  assert.equal(h.daemon.snapshot().maxDocks, 2);
});
