// A pilot's memory as its own cgroup counts it (host/pilot-memory.ts), on the real engine:
// the memory give-back's victims are chosen on these figures.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, test } from "node:test";
import { findControllerTree } from "../../src/host/container-cgroup.js";
import { PilotMemory } from "../../src/host/pilot-memory.js";
import { createDockerEngine } from "../../src/runtime/docker-engine.js";
import { requireDocker, testRun, waitFor } from "./runtime-helpers.js";

const t = testRun("pilotmem");
before(requireDocker);
after(() => t.cleanup());

test("a pilot holding 40 MiB reads that much; an idle one less; a gone one unknown", async () => {
  const engine = createDockerEngine();
  const tree = findControllerTree("memory");
  assert.ok(tree, "no memory cgroup hierarchy on this host");
  const driver = execFileSync("docker", ["info", "-f", "{{.CgroupDriver}}"], { encoding: "utf8" }).trim();
  const memory = new PilotMemory(tree, driver === "systemd" ? "systemd" : "cgroupfs", undefined);
  const MiB = 1 << 20;
  const spec = (cmd: string) =>
    t.spec({ cmd: ["sh", "-c", cmd], memoryBytes: 256 * MiB, memorySwapBytes: 256 * MiB });
  const big = await engine.launch(
    spec("dd if=/dev/zero of=/dev/shm/x bs=1M count=40 && touch /tmp/ok; sleep 600"),
  );
  const small = await engine.launch(spec("sleep 600"));
  const bigBytes = await waitFor("40 MiB counted", () => {
    const b = memory.usageBytes(big.id);
    return b !== undefined && b >= 40 * MiB ? b : undefined;
  });
  const smallBytes = memory.usageBytes(small.id);
  assert.ok(smallBytes !== undefined && smallBytes < bigBytes, `${smallBytes} < ${bigBytes}`);
  await engine.kill(small.id);
  assert.equal(memory.usageBytes(small.id), undefined);
});
