import assert from "node:assert/strict";
import os from "node:os";
import { test } from "node:test";
import { gatherHostInfo, mountOf, type SystemInfoLike } from "../../src/host/host-info.js";
import { describeHost } from "../../src/cli/format.js";

const MOUNTS = [
  { fs: "/dev/sda1", type: "ext4", size: 100e9, mount: "/" },
  { fs: "/dev/sdb1", type: "xfs", size: 500e9, mount: "/var/lib" },
  { fs: "/dev/sdc1", type: "btrfs", size: 900e9, mount: "/var/lib/docker-other" },
];

const fake = (over: Partial<SystemInfoLike> = {}): SystemInfoLike => ({
  cpu: async () => ({
    manufacturer: "AMD",
    brand: "EPYC 7763 64-Core Processor",
    cores: 16,
    physicalCores: 8,
  }),
  mem: async () => ({ total: 64 * 2 ** 30 }),
  osInfo: async () => ({ distro: "Debian GNU/Linux", release: "12", kernel: "6.1.0-18-amd64", arch: "x64" }),
  fsSize: async () => MOUNTS,
  ...over,
});

test("the mount of a dir is its longest parent mount, not a sibling with a common prefix", () => {
  assert.equal(mountOf(MOUNTS, "/var/lib/docker")?.fs, "/dev/sdb1");
  assert.equal(mountOf(MOUNTS, "/var/lib/docker-other/x")?.fs, "/dev/sdc1");
  assert.equal(mountOf(MOUNTS, "/srv")?.fs, "/dev/sda1");
  assert.equal(mountOf([], "/srv"), undefined);
});

test("facts from systeminformation, Docker's data root on its filesystem; one status line", async () => {
  const h = await gatherHostInfo({ si: fake(), dockerRootDir: "/var/lib/docker" });
  assert.deepEqual(h, {
    cpuModel: "AMD EPYC 7763 64-Core Processor",
    cpuCores: 16,
    physicalCores: 8,
    memTotalBytes: 64 * 2 ** 30,
    os: "Debian GNU/Linux 12",
    kernel: "6.1.0-18-amd64",
    arch: "x64",
    dockerRoot: {
      path: "/var/lib/docker",
      mount: "/var/lib",
      fsType: "xfs",
      device: "/dev/sdb1",
      sizeBytes: 500e9,
    },
  });
  assert.equal(
    describeHost(h),
    "AMD EPYC 7763 64-Core Processor (16 CPUs, 8 cores), 64 GiB RAM, Debian GNU/Linux 12, kernel 6.1.0-18-amd64 x64, Docker data root /var/lib/docker on xfs (/dev/sdb1)",
  );
  assert.equal(describeHost(undefined), "? (not gathered yet)");
});

test("a query that fails or never answers is bounded: node:os fills in, and the fact is named partial", async () => {
  const never = new Promise<never>(() => undefined);
  const h = await gatherHostInfo({
    si: fake({
      cpu: () => never,
      osInfo: async () => {
        throw new Error("lsb_release: not found");
      },
      fsSize: () => never,
    }),
    dockerRootDir: "/var/lib/docker",
    timeoutMs: 20,
  });
  assert.equal(h.cpuCores, os.cpus().length);
  assert.equal(h.kernel, os.release());
  assert.equal(h.memTotalBytes, 64 * 2 ** 30, "what answered is kept");
  assert.equal(h.dockerRoot, undefined);
  assert.deepEqual(h.partial, ["cpu", "os", "docker root filesystem"]);
});
