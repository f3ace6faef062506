// The daemon's directories (rundir, logdir, the pidfile's) must be its own: a directory
// another user can write lets that user plant control files, or symlinks that make the
// daemon (often root) append to or truncate any file. Checked like OpenSSH's StrictModes:
// the directory is owned by the daemon's user and not writable by group or others, and
// every ancestor is owned by root or that user and not writable by others (unless sticky,
// as /tmp), so nobody else can swap the directory for another. An ancestor writable by
// its group is trusted to that group (Ubuntu's /var/log is root:syslog 0775).
import { readFileSync } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import path from "node:path";

/** A directory the daemon must not use; the message says what, and how to fix it. */
export class UnsafeDirError extends Error {}

export const RUNDIR_MODE = 0o700;
export const LOGDIR_MODE = 0o750;

const myUid = (): number => process.getuid?.() ?? 0;
const octal = (mode: number): string => `0${(mode & 0o7777).toString(8).padStart(3, "0")}`;

/** "uid 1000 (alice)", the name from /etc/passwd when there is one. */
export function describeUid(uid: number, passwd = (): string => readFileSync("/etc/passwd", "utf8")): string {
  try {
    const line = passwd()
      .split("\n")
      .find((l) => l.split(":")[2] === String(uid));
    if (line) return `uid ${uid} (${line.split(":")[0]})`;
  } catch {
    // no passwd file
  }
  return `uid ${uid}`;
}

/**
 * Creates `dir` (mode `mode`) if missing, then checks it and its ancestors. A directory
 * that already exists is never chmod-ed (think --logdir /var/log): it is refused instead.
 * `flag` names the option that chose it, for the fix ("--rundir").
 */
export async function ensureOwnDir(dir: string, what: string, mode: number, flag: string): Promise<void> {
  const abs = path.resolve(dir);
  await mkdir(abs, { recursive: true, mode });
  const uid = myUid();
  const me = describeUid(uid);
  const st = await stat(abs);
  if (!st.isDirectory())
    throw new UnsafeDirError(
      `${what} ${abs} is not a directory: give ${flag} a directory of the daemon's own`,
    );
  if (st.uid !== uid || (st.mode & 0o022) !== 0) {
    throw new UnsafeDirError(
      `${what} ${abs} is owned by ${describeUid(st.uid)} with mode ${octal(st.mode)}: the daemon ` +
        `(${me}) needs a directory of its own that group and others cannot write; fix: ` +
        `chown ${uid} ${abs} && chmod ${octal(mode)} ${abs} (or pass ${flag} another directory)`,
    );
  }
  await checkAncestors(path.dirname(abs), `${what} ${abs}`, flag);
}

/** Checks the directory that holds a file the daemon writes (the pidfile). Sticky is fine. */
export async function ensureSafeParent(file: string, what: string, flag: string): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await checkAncestors(dir, `${what} ${path.resolve(file)}`, flag);
}

/** `first` and every directory above it: owned by root or us, not writable by others unless sticky. */
async function checkAncestors(first: string, subject: string, flag: string): Promise<void> {
  const uid = myUid();
  for (let dir = first; ; dir = path.dirname(dir)) {
    const st = await stat(dir);
    const othersWrite = (st.mode & 0o002) !== 0 && (st.mode & 0o1000) === 0;
    if ((st.uid !== uid && st.uid !== 0) || othersWrite) {
      throw new UnsafeDirError(
        `${subject}: ${dir}, a directory above it, is owned by ${describeUid(st.uid)} with ` +
          `mode ${octal(st.mode)}, so another user could replace what it holds; fix: chown ` +
          `root ${dir} && chmod o-w ${dir} (or pass ${flag} a directory under paths only root ` +
          `or ${describeUid(uid)} can write)`,
      );
    }
    if (dir === path.dirname(dir)) return;
  }
}

export const ensureLogdir = (logdir: string): Promise<void> =>
  ensureOwnDir(logdir, "logdir", LOGDIR_MODE, "--logdir");
