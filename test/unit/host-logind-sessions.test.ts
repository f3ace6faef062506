// logind's sessions through loginctl, on recorded replies: local and remote counted apart,
// the idle time of the least idle local session; a logind that fails or hangs is bounded.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  countSessions,
  parseSessionIds,
  parseSessions,
  readLoginSessions,
  runBounded,
  type CommandRunner,
} from "../../src/host/logind-sessions.js";

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/desktop/${name}`, import.meta.url), "utf8");
/** 2024-01-01 12:00:00 UTC. */
const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);

describe("host: logind sessions", () => {
  it("lists the session ids, first column", () => {
    assert.deepEqual(parseSessionIds(fixture("loginctl-list-sessions.txt")), ["2", "c1", "5", "7", "9"]);
    assert.deepEqual(parseSessionIds(""), []);
    assert.deepEqual(parseSessionIds("No sessions.\n"), []);
    assert.deepEqual(parseSessionIds("SESSION UID USER SEAT TTY\n"), []);
  });

  it("counts the Wayland and console sessions as local, SSH as remote; no greeter, no background", () => {
    const sessions = parseSessions(fixture("loginctl-show-session.txt"));
    assert.equal(sessions.length, 5);
    const c = countSessions(sessions, T0);
    assert.equal(c.local, 2);
    assert.equal(c.remote, 1);
    // The console was touched 60 s ago, the desktop idle for 300 s: the least idle wins.
    assert.equal(c.idleSeconds, 60);
  });

  it("a desktop session not idle is in use now", () => {
    const s = parseSessions("Id=3\nType=x11\nClass=user\nRemote=no\nIdleHint=no\nIdleSinceHint=0\n");
    assert.equal(countSessions(s, T0).idleSeconds, 0);
  });

  it("no local session: no idle time (the variable falls to the interrupt counts)", () => {
    const s = parseSessions("Id=5\nType=tty\nClass=user\nRemote=yes\nIdleHint=no\nIdleSinceHint=1\n");
    assert.deepEqual(countSessions(s, T0), { local: 0, remote: 1 });
  });

  it("reads through two bounded loginctl calls; a failing logind rejects with its words", async () => {
    const calls: string[][] = [];
    const run: CommandRunner = async (_file, args) => {
      calls.push([...args]);
      return args[0] === "list-sessions"
        ? fixture("loginctl-list-sessions.txt")
        : fixture("loginctl-show-session.txt");
    };
    assert.deepEqual(await readLoginSessions(T0, run), { local: 2, remote: 1, idleSeconds: 60 });
    assert.equal(calls.length, 2);
    assert.deepEqual(calls[1]!.slice(-5), ["2", "c1", "5", "7", "9"]);
    const down: CommandRunner = async () => {
      throw new Error("loginctl list-sessions failed: System has not been booted with systemd");
    };
    await assert.rejects(readLoginSessions(T0, down), /not been booted with systemd/);
  });

  it("a command that does not answer is killed at the timeout; a missing one is named", async () => {
    await assert.rejects(runBounded("sleep", ["30"], 200), /no answer within 200 ms/);
    await assert.rejects(runBounded("plancton-no-such-command", [], 1000), /not found/);
    await assert.rejects(runBounded("sh", ["-c", "echo nope >&2; exit 1"], 2000), /failed: nope/);
  });
});
