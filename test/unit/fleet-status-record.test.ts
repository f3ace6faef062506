// The status record: at most 1 KiB whatever the host reports, and written on a change
// worth a write, never per sample (CPU alone waits for the refresh).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  DEFAULT_PACING,
  decodeStatus,
  encodeStatus,
  shouldWrite,
  significant,
} from "../../src/fleet/status-record.js";
import { STATUS_MAX_BYTES, type HostStatus } from "../../src/fleet/fleet-types.js";

const base: HostStatus = {
  name: "wn042",
  version: "1.0.0",
  engine: "docker 24.0.5",
  mode: "active",
  running: 3,
  paused: 0,
  max: 6,
  ncpus: 8,
  ownerCpu: 0.123456,
  pilotCpu: 0.5,
  priority: "idle",
  config: "local",
  lastTickAtMs: 1000,
  atMs: 2000,
};

test("a record is JSON of at most 1 KiB, with CPU rounded, even from absurd reports", () => {
  const text = encodeStatus(base);
  assert.ok(Buffer.byteLength(text) < 400, text);
  assert.equal((decodeStatus(text) as HostStatus).ownerCpu, 0.12);
  const huge = encodeStatus({
    ...base,
    version: "v".repeat(5000),
    engine: "é".repeat(3000),
    mode: "m".repeat(2000),
    config: "c".repeat(900),
    priority: "p".repeat(900),
  });
  assert.ok(Buffer.byteLength(huge) <= STATUS_MAX_BYTES, `${Buffer.byteLength(huge)} bytes`);
  assert.equal((decodeStatus(huge) as HostStatus).name, "wn042");
});

test("a record read back is typed field by field: a bad one says which field, never throws", () => {
  assert.deepEqual(decodeStatus("not json"), { unreadable: "not JSON" });
  assert.deepEqual(decodeStatus('{"name": 3}'), {
    unreadable: "name: Invalid input: expected string, received number",
  });
  const { mode: _m, ...noMode } = base;
  assert.match((decodeStatus(JSON.stringify(noMode)) as { unreadable: string }).unreadable, /^mode: /);
  assert.match(
    (decodeStatus(JSON.stringify({ ...base, version: 7 })) as { unreadable: string }).unreadable,
    /^version: /,
  );
  const extra = decodeStatus(JSON.stringify({ ...base, future: 1 })) as HostStatus & { future?: number };
  assert.equal(extra.future, undefined, "fields of a later version dropped");
});

test("the first record is written at once; then not before minWriteMs whatever changed", () => {
  assert.equal(shouldWrite(undefined, base, 0, DEFAULT_PACING), true);
  const last = { key: significant(base), atMs: 10_000 };
  assert.equal(
    shouldWrite(last, { ...base, running: 4 }, 10_000 + DEFAULT_PACING.minWriteMs - 1, DEFAULT_PACING),
    false,
  );
  assert.equal(
    shouldWrite(last, { ...base, running: 4 }, 10_000 + DEFAULT_PACING.minWriteMs, DEFAULT_PACING),
    true,
  );
});

test("mode, pilots, engine and the command are changes; CPU and timestamps alone wait for the refresh", () => {
  const last = { key: significant(base), atMs: 0 };
  const t = DEFAULT_PACING.minWriteMs * 2;
  for (const changed of [
    { mode: "draining" },
    { paused: 1 },
    { engine: null },
    { command: { action: "drain" as const, revision: "7" } },
    { config: "url" },
  ]) {
    assert.equal(
      shouldWrite(last, { ...base, ...changed }, t, DEFAULT_PACING),
      true,
      JSON.stringify(changed),
    );
  }
  const cpuOnly = { ...base, ownerCpu: 0.9, pilotCpu: 0.05, lastTickAtMs: 99_999, atMs: t };
  assert.equal(shouldWrite(last, cpuOnly, t, DEFAULT_PACING), false);
  assert.equal(shouldWrite(last, cpuOnly, DEFAULT_PACING.refreshMs, DEFAULT_PACING), true);
});

test("steady state: a host whose CPU moves every sample writes once per refresh", () => {
  let last: { key: string; atMs: number } | undefined;
  let writes = 0;
  for (let now = 0; now < 600_000; now += 2000) {
    const s = { ...base, ownerCpu: (now % 7000) / 7000, atMs: now };
    if (shouldWrite(last, s, now, DEFAULT_PACING)) {
      writes++;
      last = { key: significant(s), atMs: now };
    }
  }
  assert.equal(writes, 600_000 / DEFAULT_PACING.refreshMs);
});
