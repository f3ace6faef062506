// stop_grace on the real Docker engine: a TTL kill sends SIGTERM first; a pilot that
// traps it stops cleanly (its file written, exit 0, history says TERM, graceful); one
// that ignores it is killed after the grace (history says KILL).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { requireDocker } from "../helpers/docker.js";
import { FixedObserver } from "../helpers/fixed-observer.js";
import { startDaemon, type Harness } from "../helpers/daemon-harness.js";
import { waitFor } from "../helpers/wait.js";

before(requireDocker);

const ttlRecord = (h: Harness) => async () =>
  (await h.daemon.historyLog().read()).find((r) => r.reason === "ttl");

describe("stop_grace", () => {
  let h: Harness | undefined;
  const out = mkdtempSync(path.join(os.tmpdir(), "plancton-stop-grace-"));
  after(async () => {
    await h?.cleanup();
    rmSync(out, { recursive: true, force: true });
  });

  test("a pilot that traps SIGTERM stops cleanly within the grace: exit 0, file written, history TERM", async () => {
    const trap = `trap 'echo bye > /out/$(hostname); exit 0' TERM; while true; do sleep 1; done`;
    h = await startDaemon(
      "grace-term",
      `max_docks: 1\nmain_sleep: 1\nmax_ttl: 2\nstop_grace: 60\nbinds: ["${out}:/out:rw"]\ndocker_cmd: ["sh", "-c", "${trap}"]\n`,
      { observer: new FixedObserver() },
    );
    const rec = await waitFor("a ttl stop in history", ttlRecord(h), 90_000);
    assert.equal(rec.signal, "TERM", JSON.stringify(rec));
    assert.equal(rec.graceful, true);
    assert.equal(rec.exitCode, 0);
    assert.ok(
      readdirSync(out).length >= 1 && existsSync(path.join(out, readdirSync(out)[0]!)),
      "the trap wrote its file",
    );
    await h.cleanup();
    h = undefined;
  });

  test("a pilot that ignores SIGTERM is killed after the grace: history KILL, exit 137", async () => {
    h = await startDaemon(
      "grace-kill",
      `max_docks: 1\nmain_sleep: 1\nmax_ttl: 2\nstop_grace: 2\ndocker_cmd: ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"]\n`,
      { observer: new FixedObserver() },
    );
    const rec = await waitFor("a ttl kill in history", ttlRecord(h), 90_000);
    assert.equal(rec.signal, "KILL", JSON.stringify(rec));
    assert.equal(rec.graceful, false);
    assert.equal(rec.exitCode, 137);
  });
});
