// A quiet host's /proc and disk, as the sampler's readers, for unit tests of pure logic:
// an idle 2-CPU machine with 8 GiB (half available) and a half-free disk. Each test
// overrides only the reader its case is about.
import type { ProcReaders } from "../../src/host/proc-readers.js";

export const GiB = 1024 ** 3;

export function fakeProcReaders(overrides: Partial<ProcReaders> = {}): ProcReaders {
  return {
    cpuTimes: async () => ({ busyTicks: 0, totalTicks: 100, ncpus: 2 }),
    loadAverage: async () => ({ load1: 0, load5: 0, load15: 0 }),
    memInfo: async () => ({
      memTotalBytes: 8 * GiB,
      memAvailableBytes: 4 * GiB,
      swapTotalBytes: 0,
      swapFreeBytes: 0,
    }),
    diskSpace: async () => ({ freeBytes: GiB, totalBytes: 2 * GiB, freeRatio: 0.5 }),
    ...overrides,
  };
}
