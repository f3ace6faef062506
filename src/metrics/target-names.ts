// How metrics targets are named in stats and logs (without credentials), and their identity.
import type { MetricsTarget } from "./metric-types.js";

/** The URL without user and password (for logs and stats). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString().replace(/\/$/, "");
  } catch {
    return url.replace(/\/\/[^/@]*@/, "//");
  }
}

/** How a target is shown in stats and logs: no credentials, no token. */
export function describeTarget(target: MetricsTarget): string {
  const insecure = target.insecureTls === true ? " (TLS not verified)" : "";
  return target.kind === "v1"
    ? `${redactUrl(target.url)}#${target.database}${insecure}`
    : `${redactUrl(target.url)} ` +
        `bucket ${target.bucket}${target.org !== "" ? ` org ${target.org}` : ""}${insecure}`;
}

/** A stable identity: two targets with the same key write the same data to the same place. */
export function targetKey(target: MetricsTarget): string {
  return target.kind === "v1"
    ? JSON.stringify(["v1", target.url, target.database, target.insecureTls])
    : JSON.stringify([
        "v2",
        target.url,
        target.token,
        target.org,
        target.bucket,
        target.insecureTls === true,
      ]);
}
