// Every remote of the hostile corpus that the daemon accepts, and the keys a remote may
// set, each with a pilot launched under it on the real Docker engine (in-process daemon,
// fixed host observation so pilots always fit, real URL source and HTTP server): the
// pilot's HostConfig has nothing the local file did not allow, and what a remote may set
// really applies (network none, a non-root uid:gid, a dropped capability, the floors).
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { parseYamlObject } from "../../src/config/parse.js";
import { containersOf, docker, removeInstance, requireDocker } from "../helpers/docker.js";
import { startDaemon, type Harness } from "../helpers/daemon-harness.js";
import { startFaultServer, type FaultServer } from "../helpers/fault-http-server.js";
import { FixedObserver } from "../helpers/fixed-observer.js";
import {
  assertPilotNotEscalated,
  hostileCorpus,
  throughRemotePipeline,
  withBaseline,
  type InspectedPilot,
} from "../helpers/hostile-remotes.js";
import { waitFor } from "../helpers/wait.js";

const BASELINE: Record<string, string> = { max_docks: "1", cpus_per_dock: "0.05" };
const remoteText = (key?: string, valueYaml?: string) => withBaseline(BASELINE, key, valueYaml);

let server: FaultServer;
let h: Harness;
let local: Record<string, unknown>;

before(async () => {
  await requireDocker();
  server = await startFaultServer({ kind: "ok", body: remoteText(), etag: '"base"' });
  h = await startDaemon(
    "hostile-launch",
    `config_url: ${server.url("/c.yaml")}\nallow_insecure_http: true\nconfig_url_every: 3600\ndocker_cmd: sleep 600\nmain_sleep: 1h\n`,
    { observer: new FixedObserver() },
  );
  local = parseYamlObject(await readFile(h.configFile, "utf8"), "local");
});

after(async () => {
  await h.cleanup();
  await server.stop();
});

const accepted = (text: string) => "accepted" in throughRemotePipeline(text, local);

/** Serves `body`, replaces the running pilot, and inspects the one launched under the new copy. */
async function launchUnder(body: string, tag: string): Promise<InspectedPilot> {
  server.answer({ kind: "ok", body, etag: `"${tag}"` });
  await h.daemon.reloadConfig();
  const remote = h.daemon.snapshot().remote?.url as { stale: boolean; lastError?: string };
  assert.equal(remote.stale, false, `${tag}: ${remote.lastError ?? ""}`);
  await removeInstance(h.instance);
  await h.daemon.tickNow();
  const c = await waitFor(
    `a pilot launched under ${tag}`,
    async () => (await containersOf(h.instance)).find((x) => x.State === "running"),
    60_000,
    200,
  );
  const info = await docker.getContainer(c.Id).inspect();
  return {
    User: info.Config.User,
    HostConfig: info.HostConfig as unknown as Record<string, unknown>,
    Labels: info.Config.Labels,
  };
}

const assertNothingEscalated = (p: InspectedPilot, what: string) =>
  assertPilotNotEscalated(p, h.instance, what);

test(
  "a pilot launched under each accepted remote of the hostile corpus has nothing the local file did not allow",
  { timeout: 600_000 },
  async () => {
    // A 200 KB environment variable is accepted (it grants nothing) but no pilot can exec with
    // it ("argument list too long"): the daemon then backs off as from any crash loop, so no
    // pilot to inspect. The daemon-process corpus covers it.
    const cases = hostileCorpus(server.base, remoteText).filter(
      (c) => accepted(c.body) && c.name !== "docker_env = a long key map",
    );
    assert.ok(cases.length >= 5, `${cases.length} accepted cases`);
    for (const [i, c] of cases.entries())
      assertNothingEscalated(await launchUnder(c.body, `corpus-${i}`), c.name);
  },
);

test("what a remote may set applies to the pilots it launches", { timeout: 300_000 }, async () => {
  const allowed: [string, string, (p: InspectedPilot) => boolean][] = [
    ["network_mode none", remoteText("network_mode", "none"), (p) => p.HostConfig.NetworkMode === "none"],
    ["user_group 1000:1000", remoteText("user_group", '"1000:1000"'), (p) => p.User === "1000:1000"],
    [
      "a dropped capability",
      remoteText("capabilities", '["-NET_RAW"]'),
      (p) => JSON.stringify(p.HostConfig.CapDrop) === '["NET_RAW"]',
    ],
    [
      "cpus_per_dock 0.01 (the floor)",
      remoteText("cpus_per_dock", "0.01"),
      (p) => p.HostConfig.CpuQuota === 1000,
    ],
  ];
  for (const [what, body, check] of allowed) {
    const p = await launchUnder(body, what.replace(/\W+/g, "-"));
    assertNothingEscalated(p, what);
    assert.ok(
      check(p),
      `${what}: ${JSON.stringify({ User: p.User, HostConfig: p.HostConfig }).slice(0, 400)}`,
    );
  }
});
