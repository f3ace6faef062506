// One HTTP(S) POST with a deadline, through node:http/node:https.
// Why not fetch: insecure TLS needs an undici Agent, and undici is not importable by
// name in Node 20 without a new dependency; node:https takes rejectUnauthorized
// directly, so secure and insecure targets share this one code path.
import http from "node:http";
import https from "node:https";

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** At most MAX_BODY_CHARS of the body: enough for an error message. */
  body: string;
}

const MAX_BODY_CHARS = 64 * 1024;

export interface HttpClient {
  post(
    url: string,
    body: string,
    headers: Record<string, string>,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<HttpResponse>;
  /** Closes idle keep-alive connections. */
  close(): void;
}

/** A client with its own keep-alive agents (one request at a time is the sinks' pattern). */
export function createHttpClient(opts: { insecureTls: boolean }): HttpClient {
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const httpsAgent = new https.Agent({
    keepAlive: true,
    maxSockets: 2,
    rejectUnauthorized: !opts.insecureTls,
  });
  return {
    post: (url, body, headers, timeoutMs, signal) =>
      post(url, body, headers, timeoutMs, signal, httpAgent, httpsAgent),
    close: () => {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

function post(
  rawUrl: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  httpAgent: http.Agent,
  httpsAgent: https.Agent,
): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    const url = new URL(rawUrl);
    const secure = url.protocol === "https:";
    const allHeaders: Record<string, string | number> = {
      ...headers,
      "Content-Length": Buffer.byteLength(body),
    };
    if (url.username !== "") {
      const user = decodeURIComponent(url.username);
      const password = decodeURIComponent(url.password);
      allHeaders.Authorization ??= `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    }
    const options: https.RequestOptions = {
      method: "POST",
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[|\]$/g, ""),
      port: url.port === "" ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      headers: allHeaders,
      agent: secure ? httpsAgent : httpAgent,
    };
    let settled = false;
    const finish = (err: Error | undefined, res?: HttpResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (err !== undefined) reject(err);
      else resolve(res as HttpResponse);
    };
    const req = (secure ? https : http).request(options, (res) => {
      res.setEncoding("utf8");
      let text = "";
      res.on("data", (chunk: string) => {
        if (text.length < MAX_BODY_CHARS) text += chunk.slice(0, MAX_BODY_CHARS - text.length);
      });
      res.on("end", () =>
        finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: text }),
      );
      res.on("error", (e) => finish(e));
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
    const onAbort = (): void => {
      req.destroy(new Error("aborted"));
    };
    if (signal?.aborted === true) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    req.on("error", (e) => finish(e));
    req.end(body);
  });
}
