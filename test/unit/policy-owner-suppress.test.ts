// owner_suppress's rule (policy/owner-suppress.ts) and the CPU lists it writes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ownerSuppressed } from "../../src/policy/owner-suppress.js";
import { formatCpuList, parseCpuList } from "../../src/host/pilot-suppress.js";

const base = { mode: "cpuset" as const, ncpus: 4, activeCores: 0.25, running: 2, suppressed: false };

test("suppressed from owner_active_cores, until below half of it", () => {
  assert.equal(ownerSuppressed({ ...base, ownerCpu: 0.05 }), false, "0.2 core: idle");
  assert.equal(ownerSuppressed({ ...base, ownerCpu: 0.07 }), true, "0.28 core: active");
  assert.equal(ownerSuppressed({ ...base, ownerCpu: 0.04, suppressed: true }), true, "0.16: still on");
  assert.equal(ownerSuppressed({ ...base, ownerCpu: 0.02, suppressed: true }), false, "0.08: idle");
});

test("never when off, with one CPU, unsampled, or with no running pilot to confine", () => {
  assert.equal(ownerSuppressed({ ...base, mode: "off", ownerCpu: 1 }), false);
  assert.equal(ownerSuppressed({ ...base, ncpus: 1, ownerCpu: 1 }), false);
  assert.equal(ownerSuppressed({ ...base, ownerCpu: undefined }), false);
  assert.equal(ownerSuppressed({ ...base, running: 0, ownerCpu: 1 }), false);
});

test("CPU lists: parsed and written as the kernel does", () => {
  assert.deepEqual(parseCpuList("0-3,6\n"), [0, 1, 2, 3, 6]);
  assert.equal(formatCpuList([6, 1, 2, 3]), "1-3,6");
  assert.equal(formatCpuList([1]), "1");
});
