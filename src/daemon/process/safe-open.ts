// Opening files in the daemon's own directories without ever following a link: O_NOFOLLOW
// (a symlink is refused, not followed), then the open file itself is checked (a regular
// file, one link, ours), so a link planted before the directory was ours cannot make the
// daemon write, truncate or read another file. Log files are 0640: pilot output and the
// daemon's log often hold credentials.
import { closeSync, constants, fstatSync, fchmodSync, ftruncateSync, openSync, type Stats } from "node:fs";
import { open, rename, rm, type FileHandle } from "node:fs/promises";
import path from "node:path";

export const LOG_FILE_MODE = 0o640;

const { O_WRONLY, O_RDWR, O_RDONLY, O_CREAT, O_APPEND, O_EXCL, O_NOFOLLOW } = constants;
// (libuv opens every file close-on-exec.)
const WRITE = O_WRONLY | O_CREAT | O_NOFOLLOW;

export type WriteHow = "append" | "truncate";

function explain(file: string, err: unknown): Error {
  if ((err as NodeJS.ErrnoException).code === "ELOOP")
    return new Error(
      `${file} is a symbolic link: the daemon does not follow links in its directories; remove it`,
    );
  return err as Error;
}

/** Why the open file is not one to write to, or undefined when it is fine. */
function refusal(file: string, st: Stats): string | undefined {
  const uid = process.getuid?.() ?? 0;
  if (!st.isFile()) return `${file} is not a regular file: remove it`;
  if (st.nlink !== 1)
    return `${file} has ${st.nlink} hard links (one may be another file of the system): remove it`;
  if (st.uid !== uid) return `${file} belongs to uid ${st.uid}, not to the daemon (uid ${uid}): remove it`;
  return undefined;
}

/** Opens `file` for writing (appending, or truncated once checked), mode `mode` enforced. */
export async function openForWrite(file: string, how: WriteHow, mode = LOG_FILE_MODE): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    // Appending opens read-write too: the writer may check how the file ends (whole-line-append.ts).
    fh = await open(file, how === "append" ? O_RDWR | O_CREAT | O_NOFOLLOW | O_APPEND : WRITE, mode);
  } catch (err) {
    throw explain(file, err);
  }
  try {
    const st = await fh.stat();
    const why = refusal(file, st);
    if (why) throw new Error(why);
    if (how === "truncate") await fh.truncate(0);
    if ((st.mode & 0o777) !== mode) await fh.chmod(mode);
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** The same, synchronously, returning a file descriptor (for a child's stdio). */
export function openForWriteSync(file: string, how: WriteHow, mode = LOG_FILE_MODE): number {
  let fd: number;
  try {
    fd = openSync(file, WRITE | (how === "append" ? O_APPEND : 0), mode);
  } catch (err) {
    throw explain(file, err);
  }
  try {
    const st = fstatSync(fd);
    const why = refusal(file, st);
    if (why) throw new Error(why);
    if (how === "truncate") ftruncateSync(fd, 0);
    if ((st.mode & 0o777) !== mode) fchmodSync(fd, mode);
    return fd;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/**
 * Reads `file` without following a symlink; undefined when it is missing, not a regular
 * file, or (with `owners`) owned by another uid.
 */
export async function readNoFollow(file: string, owners?: number[]): Promise<string | undefined> {
  let fh: FileHandle;
  try {
    fh = await open(file, O_RDONLY | O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile() || (owners && !owners.includes(st.uid))) return undefined;
    return await fh.readFile("utf8");
  } finally {
    await fh.close();
  }
}

/**
 * Replaces `file` with `data`: written to a new temp file (O_EXCL, so nothing there is
 * followed or reused), then renamed over it (a rename replaces a link, never follows it).
 */
let replaced = 0;

export async function replaceFile(
  file: string,
  data: string | Uint8Array,
  mode = LOG_FILE_MODE,
): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${++replaced}.tmp`);
  await rm(tmp, { force: true });
  const fh = await open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  try {
    try {
      await fh.writeFile(data);
      await fh.chmod(mode); // the umask may have taken bits off
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    // A full disk: the half-written temp file would only keep the disk full.
    await rm(tmp, { force: true });
    throw err;
  }
}
