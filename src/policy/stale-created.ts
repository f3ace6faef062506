// A "created" pilot that no launch of ours can still start is stale: removed at once
// (never_started), without waiting NEVER_STARTED_SECONDS. That is every "created" pilot
// of the first listing of a run (a previous run left it), and of the first listing after
// an engine outage (the launch in flight then failed with the engine).
import type { Listing } from "./policy-types.js";

/** Why this listing's "created" pilots are stale; undefined when a launch may still start them. */
export function staleCreatedWhy(listing: Listing | undefined): string | undefined {
  if (listing?.firstOfRun === true) return "created by a previous run but never started";
  if (listing?.afterOutage === true) return "created while Docker went away, never started";
  return undefined;
}
