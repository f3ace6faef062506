// Pilot names and hostnames: `<prefix>-<6 random [a-z0-9]>` and `plancton-<host>-<same 6>`.
import { randomInt } from "node:crypto";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
export const PILOT_SUFFIX_LENGTH = 6;
/** What Docker accepts as a container name. */
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** `${prefix}-` + 6 crypto-random [a-z0-9]; `random(n)` (0 <= result < n) is injectable for tests. */
export function pilotName(prefix: string, random: (n: number) => number = randomInt): string {
  if (!DOCKER_NAME.test(prefix)) {
    throw new Error(
      `invalid container name prefix "${prefix}": use letters, digits, "_", "." and "-", starting ` +
        `with a letter or digit`,
    );
  }
  let suffix = "";
  for (let i = 0; i < PILOT_SUFFIX_LENGTH; i++) suffix += ALPHABET[random(ALPHABET.length)];
  return `${prefix}-${suffix}`;
}

/**
 * `plancton-<host>-<suffix of the pilot's name>`, a valid hostname label: the host part
 * is lower-cased, its first DNS label only, other characters made "-", and shortened so
 * the whole stays within 63 characters.
 */
export function pilotHostname(host: string, name: string): string {
  const suffix = name.slice(name.lastIndexOf("-") + 1) || "pilot";
  const shortHost =
    (host.split(".")[0] ?? "")
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "") || "host";
  const room = 63 - "plancton-".length - 1 - suffix.length;
  const hostPart = shortHost.slice(0, Math.max(1, room)).replace(/-+$/, "") || "host";
  return `plancton-${hostPart}-${suffix}`.slice(0, 63);
}
