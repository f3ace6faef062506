// Serves the daemon's live state over HTTP on a unix socket in rundir (the rundir's
// 0700 mode is the access control). planctonctl status, explain and history read it.
import http from "node:http";
import { rm, chmod } from "node:fs/promises";
import type { HistoryLog } from "./history.js";
import type { LivePilot } from "./accounting-live.js";
import type { StatusSnapshot } from "./status.js";

/** The socket's name in rundir. */
export const STATUS_SOCKET = "plancton.sock";

export interface StatusSource {
  snapshot(): StatusSnapshot;
  historyLog(): HistoryLog;
  /** Running pilots' CPU so far (planctonctl report). */
  livePilots?(): LivePilot[];
}

export async function serveStatus(
  socketPath: string,
  source: StatusSource,
): Promise<{ close(): Promise<void> }> {
  await rm(socketPath, { force: true });
  const server = http.createServer((req, res) => {
    void handle(req, source).then(
      (body) => {
        res.writeHead(body === undefined ? 404 : 200, { "content-type": "application/json" });
        res.end(JSON.stringify(body ?? { error: `no such path ${req.url}` }));
      },
      (err: Error) => {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: err.message }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => resolve());
  });
  await chmod(socketPath, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(req: http.IncomingMessage, source: StatusSource): Promise<unknown> {
  const url = new URL(req.url ?? "/", "http://plancton");
  switch (url.pathname) {
    case "/status":
      return source.snapshot();
    case "/history":
      return source.historyLog().read(Number(url.searchParams.get("since") ?? 0));
    case "/usage":
      return source.livePilots?.();
    default:
      return undefined;
  }
}

/** GETs a path from the daemon's status socket; rejects when the daemon does not answer. */
export function queryStatus<T>(socketPath: string, pathname: string, timeoutMs = 2000): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path: pathname, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as T);
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error("the daemon did not answer in time")));
    req.on("error", reject);
  });
}
