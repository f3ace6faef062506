// overlayEngine and withEngineWork on a plain object engine (the real engine under both:
// test/integration/host-freezer.test.ts and host-own-cpu.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { withEngineWork } from "../../src/daemon/owners/engine-work.js";
import { overlayEngine, type ContainerEngine } from "../../src/runtime/index.js";

class FakeEngine {
  readonly calls: string[] = [];
  private readonly secret = "the real this";
  get kind(): string {
    return `kind of ${this.secret}`;
  }
  async pause(id: string): Promise<void> {
    this.calls.push(`pause ${id} (${this.secret})`);
  }
  async kill(id: string): Promise<void> {
    if (id === "bad") throw new Error("no such container");
    this.calls.push(`kill ${id}`);
  }
  async listPilots(): Promise<string[]> {
    return [this.secret];
  }
}
const asEngine = (e: FakeEngine) => e as unknown as ContainerEngine;

test("overlayEngine: overrides replace, the rest is the engine's own, bound to it", async () => {
  const real = new FakeEngine();
  const e = overlayEngine(asEngine(real), { pause: async () => void real.calls.push("override") });
  await e.pause("a");
  assert.deepEqual(real.calls, ["override"]);
  const { listPilots } = e as unknown as FakeEngine; // detached: `this` must still be the engine
  assert.deepEqual(await listPilots(), ["the real this"]);
  assert.equal((e as unknown as FakeEngine).kind, "kind of the real this");
});

test("withEngineWork: begin before and end after each operation, also when it fails", async () => {
  const real = new FakeEngine();
  const marks: string[] = [];
  const e = withEngineWork(asEngine(real), {
    begin: () => marks.push(`begin (${real.calls.length} calls)`),
    end: () => marks.push(`end (${real.calls.length} calls)`),
  });
  await e.pause("a");
  await assert.rejects(e.kill("bad"), /no such container/);
  await (e as unknown as FakeEngine).listPilots(); // not the daemon's work on the engine
  assert.deepEqual(marks, ["begin (0 calls)", "end (1 calls)", "begin (1 calls)", "end (1 calls)"]);
  assert.deepEqual(real.calls, ["pause a (the real this)"]);
});
