// The login sessions systemd-logind knows, through loginctl (systemd's own client of its
// D-Bus API, so no D-Bus library): X11, Wayland and text consoles at a seat are the local
// sessions; SSH logins are remote. logind's IdleHint / IdleSinceHint says how long a local
// session has had no input (for a console, the tty's last access; for a desktop, what its
// screen saver told logind). Every call has a timeout: a logind that does not answer costs
// at most that, and the caller says it once.
import { execFile } from "node:child_process";

const PROPERTIES = ["Id", "Type", "Class", "Remote", "IdleHint", "IdleSinceHint", "State"] as const;

export interface LoginSession {
  readonly id: string;
  /** x11, wayland, mir, tty, unspecified */
  readonly type: string;
  /** user, greeter, lock-screen, background, manager */
  readonly class: string;
  readonly remote: boolean;
  readonly idleHint: boolean;
  /** When the idle hint last changed (for a tty: its last access), ms since the epoch; 0 = never. */
  readonly idleSinceMs: number;
  readonly state: string;
}

export interface SessionCounts {
  /** Local graphical or console sessions of people (not greeters, not background). */
  readonly local: number;
  readonly remote: number;
  /** Seconds since the last input at a local session; undefined when none says. */
  readonly idleSeconds?: number;
}

/** Pure: the first column of `loginctl list-sessions --no-legend` (SESSION UID USER ...). */
export function parseSessionIds(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter(([id, uid]) => id !== undefined && /^[\w.-]+$/.test(id) && /^\d+$/.test(uid ?? ""))
    .map(([id]) => id!);
}

/** Pure: `loginctl show-session -p ... ID...` blocks (key=value lines, a blank line between sessions). */
export function parseSessions(text: string): LoginSession[] {
  const sessions: LoginSession[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const p: Record<string, string> = {};
    for (const line of block.split("\n")) {
      const eq = line.indexOf("=");
      if (eq > 0) p[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
    }
    if (p.Id === undefined || p.Id === "") continue;
    const sinceUs = Number(p.IdleSinceHint ?? "0");
    sessions.push({
      id: p.Id,
      type: p.Type ?? "",
      class: p.Class ?? "",
      remote: p.Remote === "yes",
      idleHint: p.IdleHint === "yes",
      idleSinceMs: Number.isFinite(sinceUs) && sinceUs > 0 ? Math.floor(sinceUs / 1000) : 0,
      state: p.State ?? "",
    });
  }
  return sessions;
}

const LOCAL_TYPES = new Set(["x11", "wayland", "mir", "tty"]);

/** Pure: which sessions count, and the local idle time (the least idle local session). */
export function countSessions(sessions: readonly LoginSession[], nowMs: number): SessionCounts {
  let local = 0;
  let remote = 0;
  let idle: number | undefined;
  for (const s of sessions) {
    if (s.class !== "user" || s.state === "closing") continue;
    if (s.remote) {
      remote++;
      continue;
    }
    if (!LOCAL_TYPES.has(s.type)) continue;
    local++;
    // Idle since the hint's time; a desktop not idle is in use now (it says when it goes idle),
    // a console not idle yet was last touched at its tty's access time.
    let seconds = 0;
    if ((s.idleHint || s.type === "tty") && s.idleSinceMs > 0)
      seconds = Math.max(0, (nowMs - s.idleSinceMs) / 1000);
    idle = idle === undefined ? seconds : Math.min(idle, seconds);
  }
  return { local, remote, ...(idle === undefined ? {} : { idleSeconds: idle }) };
}

/** Runs a command with a hard timeout; rejects with its stderr's first line. */
export function runBounded(file: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 1 << 20, encoding: "utf8" },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const e = err as NodeJS.ErrnoException & { killed?: boolean };
        if (e.code === "ENOENT") return reject(new Error(`${file} not found`));
        if (e.killed) return reject(new Error(`${file} gave no answer within ${timeoutMs} ms`));
        const said = stderr.trim().split("\n")[0] ?? "";
        reject(new Error(`${file} ${args[0] ?? ""} failed: ${said || e.message}`));
      },
    );
  });
}

export type CommandRunner = (file: string, args: readonly string[], timeoutMs: number) => Promise<string>;

/** Asks logind for its sessions: two loginctl calls, each bounded by timeoutMs. */
export async function readLoginSessions(
  nowMs: number,
  run: CommandRunner = runBounded,
  timeoutMs = 1500,
): Promise<SessionCounts> {
  const ids = parseSessionIds(
    await run("loginctl", ["list-sessions", "--no-legend", "--no-pager"], timeoutMs),
  );
  if (ids.length === 0) return { local: 0, remote: 0 };
  const props = PROPERTIES.flatMap((p) => ["-p", p]);
  const text = await run("loginctl", ["show-session", "--no-pager", ...props, ...ids], timeoutMs);
  return countSessions(parseSessions(text), nowMs);
}
