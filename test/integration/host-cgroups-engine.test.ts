// The pilots' idle parent cgroup and the pilot CPU meter on the real kernel and
// Docker engine of this machine (cgroup v1, Docker's cgroupfs driver).
// /plancton is left in place at the end: other tests and a running daemon use it,
// and an empty cgroup costs nothing.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import Docker from "dockerode";
import {
  detectCgroupLayout,
  PilotCpuMeter,
  setupPilotParent,
  type CgroupLayout,
  type DockerCgroupDriver,
  type PilotParent,
} from "../../src/host/cgroups.js";

const IMAGE = "plancton/busybox:local";
const RUN = `${process.pid}-${Date.now().toString(36)}`;
const LABEL = "plancton.test";
const LABEL_VALUE = `host-cgroups-${RUN}`;
const PREFIX = `plancton-test-hostcg-${RUN}-`;

const docker = new Docker();

async function removeOurContainers(): Promise<void> {
  const ours = await docker.listContainers({ all: true, filters: { label: [`${LABEL}=${LABEL_VALUE}`] } });
  await Promise.all(
    ours.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
}

/** Poll `check` until it returns a value, or fail with `what` after timeoutMs. */
async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** utime + stime of a process, in seconds, from /proc/<pid>/stat: a measure independent of the cgroup files. */
function processCpuSeconds(pid: number, clkTck: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15
  return (Number(fields[11]) + Number(fields[12])) / clkTck;
}

describe("host cgroups on the real engine", () => {
  let layout: CgroupLayout;
  let driver: DockerCgroupDriver;
  let parent: PilotParent;

  before(async () => {
    try {
      await docker.ping();
    } catch (err) {
      throw new Error(
        `Docker engine not reachable (${(err as Error).message}): start it with \`npm run prepare-host\``,
      );
    }
    try {
      await docker.getImage(IMAGE).inspect();
    } catch {
      throw new Error(`image ${IMAGE} is missing: build it with \`npm run prepare-host\``);
    }
    const info = (await docker.info()) as { CgroupDriver?: string; CgroupVersion?: string };
    assert.ok(
      info.CgroupDriver === "cgroupfs" || info.CgroupDriver === "systemd",
      `unexpected cgroup driver ${info.CgroupDriver}`,
    );
    driver = info.CgroupDriver;
    layout = detectCgroupLayout();
  });

  after(removeOurContainers);

  it("detects this machine's cgroup v1 layout and Docker's cgroupfs driver", () => {
    assert.deepEqual(layout, {
      kind: "v1",
      root: "/sys/fs/cgroup",
      cpuDir: "/sys/fs/cgroup/cpu",
      cpuacctDir: "/sys/fs/cgroup/cpuacct",
    });
    assert.equal(driver, "cgroupfs");
  });

  it("sets up /plancton with cpu.idle=1 (this kernel has it on v1), and again idempotently", async () => {
    assert.ok(
      existsSync("/sys/fs/cgroup/cpu/cpu.idle"),
      "this test expects a kernel >= 5.15 with cpu.idle on cgroup v1",
    );
    parent = await setupPilotParent({ layout, dockerCgroupDriver: driver, priority: "idle" });
    assert.deepEqual(parent, {
      cgroupParent: "/plancton",
      mode: "idle",
      detail: "idle (cgroup v1 cpu.idle=1 on /plancton)",
      weight: { file: "/sys/fs/cgroup/cpu/plancton/cpu.idle", idle: "1", normal: "0" },
    });
    assert.equal(readFileSync("/sys/fs/cgroup/cpu/plancton/cpu.idle", "utf8").trim(), "1");
    assert.ok(existsSync("/sys/fs/cgroup/cpuacct/plancton/cpuacct.usage"));
    assert.deepEqual(
      await setupPilotParent({ layout, dockerCgroupDriver: driver, priority: "idle" }),
      parent,
    );
  });

  it(
    "puts a pilot under the parent, and PilotCpuMeter sees it use one core",
    { timeout: 90_000 },
    async (t) => {
      parent ??= await setupPilotParent({ layout, dockerCgroupDriver: driver, priority: "idle" });
      assert.equal(parent.cgroupParent, "/plancton");
      const ncpus = availableParallelism();
      const clkTck = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

      try {
        const container = await docker.createContainer({
          name: `${PREFIX}busy`,
          Image: IMAGE,
          Cmd: ["sh", "-c", "while :; do :; done"],
          Labels: { [LABEL]: LABEL_VALUE },
          HostConfig: { CgroupParent: parent.cgroupParent, CpuQuota: 100_000, CpuPeriod: 100_000 },
        });
        const id = container.id;
        await container.start();
        const pid = await waitFor("the container to run", 20_000, async () => {
          const s = (await container.inspect()).State;
          return s.Running && s.Pid > 0 ? s.Pid : undefined;
        });

        // Its cgroup sits under the parent, in both controllers, as the kernel itself reports.
        const cgroupOf = readFileSync(`/proc/${pid}/cgroup`, "utf8");
        assert.match(cgroupOf, new RegExp(`^\\d+:cpu:/plancton/${id}$`, "m"));
        assert.match(cgroupOf, new RegExp(`^\\d+:cpuacct:/plancton/${id}$`, "m"));
        assert.ok(existsSync(join("/sys/fs/cgroup/cpuacct/plancton", id, "cpuacct.usage")));
        assert.equal(
          readFileSync("/sys/fs/cgroup/cpu/plancton/cpu.idle", "utf8").trim(),
          "1",
          "Docker left the parent's idle policy alone",
        );
        assert.equal(
          readFileSync(join("/sys/fs/cgroup/cpu/plancton", id, "cpu.cfs_quota_us"), "utf8").trim(),
          "100000",
        );

        // Measure 2 s intervals until one shows the pilot near a core: at idle priority it only gets
        // the CPU nobody else wants, so on a busy host (other tests running) an interval may fall short.
        const cores = await waitFor(
          "an interval in which the pilot uses about one core",
          60_000,
          async () => {
            // A fresh meter each round: its first sample is the baseline.
            const meter = new PilotCpuMeter({ layout, driver, parent: parent!.cgroupParent, ncpus });
            const t0 = performance.now();
            assert.equal(meter.sample([id], t0), 0, "first sample is the baseline");
            const p0 = processCpuSeconds(pid, clkTck);
            await sleep(2000); // the measurement interval itself
            const t1 = performance.now();
            const fraction = meter.sample([id], t1);
            const p1 = processCpuSeconds(pid, clkTck);
            const measuredCores = fraction * ncpus;
            const procCores = (p1 - p0) / ((t1 - t0) / 1000);
            // The cgroup counter and the process's own times agree (one tick = 1/clkTck s of slack per end).
            assert.ok(
              Math.abs(measuredCores - procCores) < 0.05,
              `meter ${measuredCores.toFixed(3)} cores, /proc ${procCores.toFixed(3)} cores`,
            );
            assert.ok(
              measuredCores <= 1.05,
              `the 1-core quota caps the pilot; measured ${measuredCores.toFixed(3)} cores`,
            );
            assert.deepEqual(meter.lastMissing, []);
            t.diagnostic(
              `pilot: meter ${measuredCores.toFixed(3)} cores, /proc/<pid>/stat ${procCores.toFixed(3)} cores`,
            );
            return measuredCores >= 0.7 ? measuredCores : undefined;
          },
        );
        assert.ok(cores >= 0.7 && cores <= 1.05, `${cores} cores`);
      } finally {
        await removeOurContainers();
      }
    },
  );
});
