// Fleet commands as stored in etcd, and which one is in force on a host: of its own
// command key and the all-hosts key, the one written last (highest mod revision) wins,
// so `drain --all` then `resume web01` leaves web01 running and the rest drained.
// A command key is writable by the site's admins only, but its value is still checked:
// at most VALUE_MAX_BYTES, a known action, no unknown field, `who` and `reason` cleaned
// of control characters and cut to TEXT_MAX_CHARS. A value that is not a command keeps
// the command in force (it is not a delete: an older drain must not come back).
import { z } from "zod";
import { cleanText } from "./safe-text.js";
import type { FleetAction, FleetCommand } from "./fleet-types.js";

/** Any fleet value (command or status) longer than this is refused unread. */
export const VALUE_MAX_BYTES = 4096;
export const TEXT_MAX_CHARS = 256;

const text = z.string().transform((s) => cleanText(s, TEXT_MAX_CHARS));
const commandSchema = z.strictObject({
  action: z.enum(["drain", "resume"]),
  reason: text.default(""),
  who: text.default("?"),
  atMs: z.number().finite().default(0),
});
/** The daemon's copy of the command it applied (rundir/fleet-command): a command and its revision. */
const appliedSchema = commandSchema.extend({ revision: z.string().regex(/^\d{1,20}$/) });

/** A key's value that is not a command: it changes nothing, and says why once. */
export interface Malformed {
  malformed: string;
  revision: string;
}
export type CommandEntry = FleetCommand | Malformed;

export function encodeCommand(action: FleetAction, reason: string, who: string, atMs: number): string {
  return JSON.stringify({ action, reason, who, atMs });
}

/** The first problem zod found, in a few words (never the value itself). */
function problem(err: z.ZodError): string {
  const i = err.issues[0];
  return cleanText(`${i?.path.join(".") || "value"}: ${i?.message ?? "invalid"}`, 120);
}

/** A command from a key's value and mod revision, or why it is not one. */
export function decodeCommand(value: Buffer | string, revision: string): CommandEntry {
  const bytes = typeof value === "string" ? Buffer.byteLength(value) : value.length;
  if (bytes > VALUE_MAX_BYTES) return { malformed: `${bytes} bytes, over ${VALUE_MAX_BYTES}`, revision };
  let json: unknown;
  try {
    json = JSON.parse(value.toString());
  } catch {
    return { malformed: "not JSON", revision };
  }
  const r = commandSchema.safeParse(json);
  return r.success ? { ...r.data, revision } : { malformed: problem(r.error), revision };
}

/** The applied command read back from the run dir; undefined when it is not one. */
export function decodeApplied(v: unknown): FleetCommand | undefined {
  const r = appliedSchema.safeParse(v);
  return r.success ? r.data : undefined;
}

export const isMalformed = (e: CommandEntry | undefined): e is Malformed =>
  e !== undefined && "malformed" in e;

/** Revisions are decimal strings of int64: compare them as big integers. */
export function newer<T extends { revision: string }>(a: T | undefined, b: T | undefined): T | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return BigInt(a.revision) >= BigInt(b.revision) ? a : b;
}

/** The command in force: the newest of the two keys; when the newest is malformed, the
 *  newer of the one applied already and the other key's command. */
export function inForce(
  own: CommandEntry | undefined,
  all: CommandEntry | undefined,
  applied: FleetCommand | undefined,
): FleetCommand | undefined {
  const newest = newer(own, all);
  if (!isMalformed(newest)) return newest;
  const other = newest === own ? all : own;
  return newer(applied, isMalformed(other) ? undefined : other);
}
