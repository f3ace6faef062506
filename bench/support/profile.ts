// The policy profile a benchmark runs under (issue 25, deliverable 6): Plancton's
// defaults, or the anchors' policies written as Plancton configs (bench/profiles/*.yaml),
// chosen by PLANCTON_BENCH_PROFILE. Its keys override the benchmark's own policy keys.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { load } from "js-yaml";

export const PROFILES = ["default", "boinc-like", "htcondor-like", "suppress"] as const;
export type ProfileName = (typeof PROFILES)[number];

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "profiles");

export interface Profile {
  readonly name: ProfileName;
  readonly config: Record<string, unknown>;
  /** "" for the default, else ".boinc-like" (figure ids) */
  readonly suffix: string;
}

export function benchProfile(name = process.env.PLANCTON_BENCH_PROFILE ?? "default"): Profile {
  if (!(PROFILES as readonly string[]).includes(name))
    throw new Error(`PLANCTON_BENCH_PROFILE=${name}: one of ${PROFILES.join(", ")}`);
  const config = load(readFileSync(path.join(DIR, `${name}.yaml`), "utf8")) as Record<string, unknown>;
  return { name: name as ProfileName, config, suffix: name === "default" ? "" : `.${name}` };
}
