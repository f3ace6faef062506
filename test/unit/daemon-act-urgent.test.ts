// act(): the give-back is the urgent part. SIGKILLs and pauses go out together at full
// weight; the victims' logs are kept afterwards, off the give-back path.
import { it } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { act } from "../../src/daemon/loop/act.js";
import { actDeps, killOf } from "../helpers/act-fakes.js";
import { initialPolicyState, type Decision } from "../../src/policy/index.js";
import type { ContainerEngine, PilotInfo } from "../../src/runtime/engine.js";

it("victims SIGKILLed and others paused before any log is read; logs kept outside the full weight", async () => {
  const calls: string[] = [];
  const engine = {
    apiCalls: 0,
    sigkill: async (id: string) => void calls.push(`sigkill ${id}`),
    pause: async (id: string) => void calls.push(`pause ${id}`),
    kill: async (id: string) => void calls.push(`remove ${id}`),
    exitInfo: async () => undefined,
    logs: async (id: string) => {
      calls.push(`logs ${id}`);
      return Readable.from(["out\n"]);
    },
  } as unknown as ContainerEngine;
  const pilots = new Map<string, PilotInfo>(
    ["a", "b", "c"].map((id) => [
      id,
      { id, name: `p-${id}`, state: "running", createdAtMs: 0, image: "i", labels: {} },
    ]),
  );
  const decision: Decision = {
    start: 0,
    unpause: [],
    remove: [],
    pull: false,
    exit: false,
    mode: "active",
    explain: [],
    warnings: [],
    next: initialPolicyState(),
    kill: [killOf("a", "overhead", 10), killOf("b", "mem_pressure", 10)],
    pause: [{ id: "c", name: "p-c", reason: "overhead" }],
  };
  const result = await act(
    decision,
    pilots,
    false,
    actDeps(engine, {
      keepLog: async (id) => {
        const stream = await engine.logs(id, { follow: false });
        for await (const _ of stream) calls.push(`kept ${id}`);
      },
      urgent: async (fn) => {
        calls.push("full weight");
        try {
          return await fn();
        } finally {
          calls.push("idle weight");
        }
      },
    }),
  );
  assert.equal(result.killed, 2);
  assert.equal(result.paused, 1);
  const end = calls.indexOf("idle weight");
  assert.deepEqual(
    calls.slice(0, end + 1).sort(),
    ["full weight", "idle weight", "pause c", "sigkill a", "sigkill b"].sort(),
    calls.join(", "),
  );
  assert.ok(
    calls.slice(end).includes("logs a") && calls.slice(end).includes("logs b"),
    "logs after the give-back",
  );
  assert.ok(
    calls.indexOf("kept a") < calls.indexOf("remove a"),
    "the log is read before the container is removed",
  );
});
