// Parses the original Plancton's `influxdb_url` form ("http://host:8086#database") into
// a v1 metrics target (the daemon hands it to metrics/, whose MetricsTarget it fits).

/** A v1 InfluxDB target: `/write?db=<database>` on `url` (credentials in the URL are basic auth). */
export interface InfluxdbV1Target {
  kind: "v1";
  url: string;
  database: string;
  insecureTls: boolean;
}

const INSECURE_PREFIX = "insecure_";
const SHAPE =
  '"http://host:8086#database", "https://host:8086#database" or "insecure_https://host:8086#database"';

/**
 * Parses the original form `URL#database`. The prefix `insecure_https:` means https
 * without certificate verification (as in "insecure_https://host:8086#db"; the
 * prefix is stripped and the rest must be an https URL). Credentials in the URL
 * ("http://user:password@host:8086#db") are sent as HTTP basic authentication.
 * Throws an Error saying what is wrong and the expected shape.
 */
export function parseInfluxdbUrl(value: string): InfluxdbV1Target {
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
  if (url.protocol !== "http:" && url.protocol !== "https:")
    fail(`scheme "${url.protocol}" is neither http nor https`);
  if (url.hostname === "") fail("no host");
  if (url.search !== "") fail("a query string is not allowed");
  return { kind: "v1", url: baseUrl(url), database, insecureTls };
}

/** origin + path, with credentials, without a trailing slash. */
function baseUrl(url: URL): string {
  const auth = url.username !== "" ? `${url.username}${url.password !== "" ? `:${url.password}` : ""}@` : "";
  return `${url.protocol}//${auth}${url.host}${url.pathname.replace(/\/+$/, "")}`;
}
