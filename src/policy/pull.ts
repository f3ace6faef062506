// Whether to pull the image: at start, when docker_image changes, every
// image_expiration; after a failed pull, retry with a capped exponential backoff.
import { doublingSeconds } from "./doubling.js";
import type { ImageStatus } from "./policy-types.js";

export const PULL_RETRY_FIRST_SECONDS = 10;
export const PULL_RETRY_MAX_SECONDS = 600;

export interface PullVerdict {
  readonly pull: boolean;
  readonly why: string;
}

/** Delay before retry number `failures` (1 = after the first failure): 10 s doubling, at most 10 min. */
export function pullRetrySeconds(failures: number): number {
  return doublingSeconds(failures, PULL_RETRY_FIRST_SECONDS, PULL_RETRY_MAX_SECONDS);
}

/** The puller owns the pull history (image); this only reads it. */
export function pullVerdict(
  wanted: string,
  imageExpirationSeconds: number,
  image: ImageStatus,
  nowMs: number,
): PullVerdict {
  const failedAt = image.lastPullFailedAtMs;
  const lastFailed =
    failedAt !== undefined && (image.lastPullAtMs === undefined || failedAt > image.lastPullAtMs);
  const failures = lastFailed ? Math.max(1, image.failures ?? 1) : 0;
  const verdict = (pull: boolean, why: string): PullVerdict => ({ pull, why });

  let need: string | undefined;
  if (image.lastPullAtMs === undefined) need = "not pulled yet";
  else if (image.image !== wanted)
    need = `${wanted} is not present${image.image === undefined ? "" : ` (have ${image.image})`}`;
  else if (nowMs - image.lastPullAtMs >= imageExpirationSeconds * 1000)
    need = `image_expiration ${imageExpirationSeconds} s passed`;
  if (need === undefined) return verdict(false, "");
  if (image.pulling === true) return verdict(false, `pull of ${wanted} in progress`);
  if (lastFailed && failedAt !== undefined) {
    const waitMs = pullRetrySeconds(failures) * 1000 - (nowMs - failedAt);
    if (waitMs > 0) {
      return verdict(
        false,
        `pull ${wanted}: ${need}; last pull failed, retry ${failures} in ${Math.ceil(waitMs / 1000)} s`,
      );
    }
  }
  return verdict(true, `pull ${wanted}: ${need}`);
}
