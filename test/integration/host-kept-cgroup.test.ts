// readKept on a real cgroup file: the cgroup removed and made again (systemd collects an
// empty slice; the next pilot brings it back) is read anew through a fresh descriptor.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, rmdirSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { readKept } from "../../src/host/kept-file.js";
import { detectCgroupLayout } from "../../src/host/cgroup-layout.js";

test("a cgroup removed and made again is read through a new descriptor", () => {
  const layout = detectCgroupLayout();
  const base = layout.kind === "v2" ? layout.unifiedDir : "/sys/fs/cgroup/memory";
  const file = layout.kind === "v2" ? "cgroup.procs" : "memory.usage_in_bytes";
  assert.ok(existsSync(base), `no cgroup tree at ${base}`);
  const dir = path.join(base, `plancton-kept-${process.pid}`);
  try {
    mkdirSync(dir);
    assert.notEqual(readKept(path.join(dir, file)), undefined);
    rmdirSync(dir);
    mkdirSync(dir); // no read in between: the kept descriptor is the old cgroup's, dead
    assert.notEqual(readKept(path.join(dir, file)), undefined, "read again once the cgroup is back");
    rmdirSync(dir);
    assert.equal(readKept(path.join(dir, file)), undefined, "the removed cgroup's file is unreadable");
  } finally {
    if (existsSync(dir)) rmdirSync(dir);
  }
});
