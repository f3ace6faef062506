// Points of every series, with every field and tag set, for the tests that write them to
// real servers and read them back (and for the dashboard test, which needs rows for
// every panel: exited and killed pilots, evictions, failed pulls, ...).
import {
  accountingPoints,
  containerPoint,
  daemonPoint,
  hostPoint,
  imagePullPoint,
  measurementPoint,
  metricsPoints,
  pilotEventPoint,
  tickPoint,
  type MetricPoint,
} from "../../src/metrics/index.js";

/** One loop's worth of points at timeMs; `i` varies the values and pilot names. */
export function samplePoints(timeMs: number, i = 0): MetricPoint[] {
  const pilot = (n: number): string => `plancton-worker-${String(i).padStart(3, "0")}${n}ab`;
  return [
    daemonPoint(
      {
        uptimeSeconds: 30 * i + 0.5,
        runningPilots: 3 + (i % 2),
        pausedPilots: i % 2,
        status: i % 3 === 2 ? "draining" : "active",
        cpuPriority: "idle",
        fastExits: i % 2,
        engine: i % 2 ? "docker" : "podman",
        host: {
          cpuModel: "AMD EPYC 7763 64-Core Processor",
          os: "Debian GNU/Linux 12",
          kernel: "6.1.0-18-amd64",
          arch: "x64",
          dockerFs: "ext4",
          cpuCores: 2,
          memTotalBytes: 8_000_000_000,
        },
      },
      timeMs,
    ),
    measurementPoint({ cpuBusy: 0.5 + 0.01 * (i % 10) }, timeMs),
    hostPoint(
      {
        cpuTotal: 0.55,
        cpuOwner: 0.25,
        cpuPilots: 0.3,
        cpuTotal5m: 0.5,
        cpuOwner5m: 0.2,
        cpuPilots5m: 0.3,
        cpuTotal1h: 0.45,
        cpuOwner1h: 0.15,
        cpuPilots1h: 0.3,
        load1: 2.5,
        load5: 2,
        load15: 1.5,
        memAvailableBytes: 8_000_000_000 + i,
        swapUsedBytes: 1024 * i,
        diskFreeBytes: 120_000_000_000,
        diskFreeRatio: 0.42,
      },
      timeMs,
    ),
    tickPoint(
      { durationMs: 12.5 + i, dockerApiCalls: 5, started: 1, killed: 1, paused: i % 2, resumed: 0 },
      timeMs,
    ),
    pilotEventPoint({ event: "started", name: pilot(1), uptimeSeconds: 0 }, timeMs),
    pilotEventPoint(
      { event: "exited", name: pilot(2), uptimeSeconds: 3600 + i, reason: "exited", exitCode: 0 },
      timeMs,
    ),
    pilotEventPoint(
      { event: "killed", name: pilot(3), uptimeSeconds: 43_200, reason: "ttl", exitCode: 137 },
      timeMs,
    ),
    pilotEventPoint({ event: "killed", name: pilot(4), uptimeSeconds: 120, reason: "mem_pressure" }, timeMs),
    pilotEventPoint({ event: "paused", name: pilot(5), uptimeSeconds: 300, reason: "overhead" }, timeMs),
    pilotEventPoint({ event: "resumed", name: pilot(5), uptimeSeconds: 360, reason: "overhead" }, timeMs + 1),
    containerPoint(
      {
        name: pilot(2),
        started: true,
        killed: false,
        uptimeSeconds: 3600 + i,
        reason: "exited",
        exitCode: 0,
      },
      timeMs,
    ),
    containerPoint(
      { name: pilot(3), started: true, killed: true, uptimeSeconds: 43_200, reason: "ttl", exitCode: 137 },
      timeMs,
    ),
    containerPoint(
      { name: pilot(6), started: false, killed: false, uptimeSeconds: 0, reason: "never_started" },
      timeMs,
    ),
    imagePullPoint({ image: "busybox:latest", ok: true, durationMs: 850 }, timeMs),
    imagePullPoint(
      {
        image: "registry.example/pilot:latest",
        ok: false,
        durationMs: 30_000,
        error: 'pull access denied for "registry.example/pilot"\nrepository does not exist',
      },
      timeMs,
    ),
    ...metricsPoints(
      [
        {
          target: "http://influx.example:8086#plancton",
          buffered: i,
          delivered: 100 * i,
          dropped: 0,
          rejected: 0,
          retries: 1,
        },
      ],
      timeMs,
    ),
    ...accountingPoints(
      new Map([["plancton/busybox:local", 120 * i]]),
      new Map([
        ["overhead", 30 * i],
        ["schedule", 10 * i],
      ]),
      timeMs,
    ),
  ];
}
