// act(): a kill with SIGTERM (policy/stop-signal.ts says which) is stopped with its grace in
// the background; a SIGKILL goes out at once. On a fake engine whose stops end when the
// test says.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { act } from "../../src/daemon/loop/act.js";
import { GracefulStops } from "../../src/daemon/owners/graceful-stops.js";
import { actDeps, killOf } from "../helpers/act-fakes.js";
import type { PilotRecord } from "../../src/daemon/report/history.js";
import { decide, initialPolicyState, type Decision, type KillReason } from "../../src/policy/index.js";
import { hostObs, NO_CONTROL, policyConfig } from "../helpers/policy-sim.js";
import type { ContainerEngine, ExitInfo, PilotInfo } from "../../src/runtime/engine.js";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function setup(exitCodes: Record<string, number>) {
  const calls: string[] = [];
  const stops = new Map<string, ReturnType<typeof deferred>>();
  const engine = {
    apiCalls: 0,
    stop: (id: string, grace: number) => {
      calls.push(`stop ${id} ${grace}`);
      const d = deferred();
      stops.set(id, d);
      return d.promise;
    },
    kill: async (id: string) => void calls.push(`kill ${id}`),
    remove: async (id: string) => void calls.push(`remove ${id}`),
    exitInfo: async (id: string): Promise<ExitInfo> => ({
      exitCode: exitCodes[id] ?? null,
      oomKilled: false,
      state: exitCodes[id] === undefined ? "running" : "exited",
    }),
  } as unknown as ContainerEngine;
  const records: PilotRecord[] = [];
  let now = 1_000_000;
  const ended: string[] = [];
  const deps = actDeps(engine, {
    now: () => now,
    onFinished: (r) => records.push(r),
    stops: new GracefulStops(() => ended.push("tick")),
  });
  const grace = { seconds: 10 };
  const pilots = new Map<string, PilotInfo>(
    ["a", "b", "c"].map((id) => [
      id,
      { id, name: `p-${id}`, state: "running", createdAtMs: 0, image: "busybox", labels: {} },
    ]),
  );
  const decision = (kill: [string, KillReason][]): Decision => ({
    start: 0,
    pause: [],
    unpause: [],
    remove: [],
    pull: false,
    exit: false,
    mode: "active",
    explain: [],
    warnings: [],
    next: initialPolicyState(),
    kill: kill.map(([id, reason]) => killOf(id, reason, grace.seconds)),
  });
  const advance = (ms: number) => (now += ms);
  return { calls, stops, records, deps, pilots, decision, ended, advance, grace };
}

describe("act: stop_grace", () => {
  it("a SIGTERM kill is stopped with its grace, not awaited; a SIGKILL goes out at once", async () => {
    const t = setup({ a: 0, b: 137 });
    const result = await act(
      t.decision([
        ["a", "ttl"],
        ["b", "force_stop"],
        ["c", "overhead"],
      ]),
      t.pilots,
      false,
      t.deps,
    );
    assert.equal(result.killed, 1, "only the immediate kill is done when act returns");
    assert.deepEqual(t.calls, ["kill c", "stop a 10", "stop b 10"], "the give-back first");
    assert.deepEqual(
      t.records.map((r) => [r.id, r.signal, r.graceful]),
      [["c", "KILL", false]],
    );
    // a exits by itself at once on SIGTERM; b sits out the grace and is SIGKILLed (137)
    t.stops.get("a")!.resolve();
    t.advance(10_000);
    t.stops.get("b")!.resolve();
    await waitUntil(() => t.ended.length === 2);
    const byId = Object.fromEntries(t.records.map((r) => [r.id, r]));
    assert.deepEqual([byId.a?.signal, byId.a?.graceful, byId.a?.exitCode], ["TERM", true, 0]);
    assert.deepEqual([byId.b?.signal, byId.b?.graceful, byId.b?.exitCode], ["KILL", false, 137]);
    assert.deepEqual(
      t.calls.slice(3).sort(),
      ["kill a", "kill b"],
      "then removed (kill = SIGKILL + force remove)",
    );
    assert.equal(t.deps.stops.ids().size, 0);
  });

  it("a second decision does not stop it again; a give-back escalates it to SIGKILL, recorded once", async () => {
    const t = setup({ a: 143 });
    await act(t.decision([["a", "evict_when"]]), t.pilots, false, t.deps);
    await act(t.decision([["a", "evict_when"]]), t.pilots, false, t.deps);
    assert.deepEqual(t.calls, ["stop a 10"]);
    await act(t.decision([["a", "mem_pressure"]]), t.pilots, false, t.deps);
    assert.deepEqual(t.calls, ["stop a 10", "kill a"]);
    t.stops.get("a")!.resolve();
    await waitUntil(() => t.ended.length === 1);
    assert.deepEqual(
      t.records.map((r) => [r.reason, r.signal]),
      [["mem_pressure", "KILL"]],
    );
  });

  it("a pilot exiting under its graceful stop is recorded by the stop (ttl), not removed as exited", async () => {
    const t = setup({ a: 0 });
    await act(t.decision([["a", "ttl"]]), t.pilots, false, t.deps);
    // It exited on SIGTERM; a listing saw it before the stop returned: decide() leaves it to the stop.
    const listed = [{ id: "a", name: "p-a", state: "exited" as const, createdAtMs: 0 }];
    const cfg = policyConfig({ maxDocks: 0 });
    const obs = hostObs();
    assert.deepEqual(
      decide({
        obs,
        pilots: listed,
        cfg,
        control: NO_CONTROL,
        image: { image: "busybox", lastPullAtMs: 0 },
        state: initialPolicyState(),
        nowMs: 1_000_000,
      }).remove.map((r) => r.reason),
      ["exited"],
      "without the stop: removed",
    );
    const d = decide({
      obs,
      pilots: listed.map((p) => ({ ...p, stopping: true })),
      cfg,
      control: NO_CONTROL,
      image: { image: "busybox", lastPullAtMs: 0 },
      state: initialPolicyState(),
      nowMs: 1_000_000,
    });
    assert.deepEqual(d.remove, []);
    assert.equal((await act(d, t.pilots, false, t.deps)).removed, 0);
    t.stops.get("a")!.resolve();
    await waitUntil(() => t.ended.length === 1);
    assert.deepEqual(
      t.records.map((r) => [r.reason, r.signal]),
      [["ttl", "TERM"]],
    );
  });

  it("stop_grace 0: every kill is SIGKILL at once", async () => {
    const t = setup({});
    t.grace.seconds = 0;
    const result = await act(
      t.decision([
        ["a", "ttl"],
        ["b", "schedule"],
      ]),
      t.pilots,
      false,
      t.deps,
    );
    assert.equal(result.killed, 2);
    assert.deepEqual(t.calls, ["kill a", "kill b"]);
    assert.ok(t.records.every((r) => r.signal === "KILL" && r.graceful === false));
  });
});

/** Lets the fake engine's promises settle (no timer: microtasks and immediates only). */
async function waitUntil(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(cond(), "condition never held");
}
