// The original Plancton's `influxdb_url` form ("http://host:8086#database"), and how targets are named.
import type { MetricsTarget } from "./types.js";

const INSECURE_PREFIX = "insecure_";
const SHAPE = '"http://host:8086#database", "https://host:8086#database" or "insecure_https://host:8086#database"';

/**
 * Parses the original form `URL#database`. The prefix `insecure_https:` means https
 * without certificate verification (as in "insecure_https://host:8086#db"; the
 * prefix is stripped and the rest must be an https URL). Credentials in the URL
 * ("http://user:password@host:8086#db") are sent as HTTP basic authentication.
 * Throws an Error saying what is wrong and the expected shape.
 */
export function parseInfluxdbUrl(value: string): MetricsTarget {
  const fail = (why: string): never => {
    throw new Error(`${JSON.stringify(value)} is not an InfluxDB URL: ${why}; expected ${SHAPE}`);
  };
  if (typeof value !== "string") fail("not a string");
  let text = value.trim();
  let insecureTls = false;
  if (text.toLowerCase().startsWith(INSECURE_PREFIX)) {
    text = text.slice(INSECURE_PREFIX.length);
    if (!/^https:/i.test(text)) fail(`the "${INSECURE_PREFIX}" prefix only goes before https`);
    insecureTls = true;
  }
  const hash = text.indexOf("#");
  if (hash < 0) fail('no "#database" at the end');
  const database = text.slice(hash + 1).trim();
  if (database === "") fail('the database name after "#" is empty');
  let url: URL;
  try {
    url = new URL(text.slice(0, hash));
  } catch {
    return fail("not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") fail(`scheme "${url.protocol}" is neither http nor https`);
  if (url.hostname === "") fail("no host");
  if (url.search !== "") fail("a query string is not allowed");
  return { kind: "v1", url: baseUrl(url), database, insecureTls };
}

/** origin + path, with credentials, without a trailing slash. */
function baseUrl(url: URL): string {
  const auth = url.username !== "" ? `${url.username}${url.password !== "" ? `:${url.password}` : ""}@` : "";
  return `${url.protocol}//${auth}${url.host}${url.pathname.replace(/\/+$/, "")}`;
}

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
    : `${redactUrl(target.url)} bucket ${target.bucket}${target.org !== "" ? ` org ${target.org}` : ""}${insecure}`;
}

/** A stable identity: two targets with the same key write the same data to the same place. */
export function targetKey(target: MetricsTarget): string {
  return target.kind === "v1"
    ? JSON.stringify(["v1", target.url, target.database, target.insecureTls])
    : JSON.stringify(["v2", target.url, target.token, target.org, target.bucket, target.insecureTls === true]);
}
