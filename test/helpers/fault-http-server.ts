// A 127.0.0.1 HTTP server that answers what the test tells it to: a config with an
// ETag or Last-Modified (304 when the client already has it), an HTTP error, a hang,
// an oversize body (with or without content-length), a redirect. Records every request.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type FaultAnswer =
  | { kind: "ok"; body: string; etag?: string; lastModified?: string }
  | { kind: "status"; status: number }
  | { kind: "not-modified" }
  | { kind: "hang" }
  | { kind: "oversize"; bytes: number; contentLength: boolean }
  | { kind: "redirect"; location: string };

export interface RecordedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
}

export interface FaultServer {
  /** http://127.0.0.1:PORT */
  base: string;
  url(pathname?: string): string;
  /** The answer to every following request, until the next call. */
  answer(a: FaultAnswer): void;
  requests: RecordedRequest[];
  stop(): Promise<void>;
}

export async function startFaultServer(
  first: FaultAnswer = { kind: "status", status: 404 },
): Promise<FaultServer> {
  let current = first;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    requests.push({ path: req.url ?? "/", headers: req.headers });
    const a = current;
    switch (a.kind) {
      case "ok": {
        if (
          (a.etag && req.headers["if-none-match"] === a.etag) ||
          (!a.etag && a.lastModified && req.headers["if-modified-since"] === a.lastModified)
        ) {
          res.writeHead(304, a.etag ? { etag: a.etag } : {}).end();
          return;
        }
        const headers: http.OutgoingHttpHeaders = { "content-type": "application/yaml" };
        if (a.etag) headers.etag = a.etag;
        if (a.lastModified) headers["last-modified"] = a.lastModified;
        res.writeHead(200, headers).end(a.body);
        return;
      }
      case "status":
        res.writeHead(a.status, { "content-type": "text/plain" }).end(`status ${a.status}\n`);
        return;
      case "not-modified":
        res.writeHead(304).end();
        return;
      case "hang":
        return; // never answers; stop() destroys the socket
      case "redirect":
        res.writeHead(302, { location: a.location }).end();
        return;
      case "oversize": {
        const line = "# padding padding padding padding padding padding padding padding\n";
        const headers: http.OutgoingHttpHeaders = { "content-type": "application/yaml" };
        const total = Math.ceil(a.bytes / line.length) * line.length;
        if (a.contentLength) headers["content-length"] = String(total);
        res.writeHead(200, headers); // without content-length: chunked
        const chunk = line.repeat(1024);
        let sent = 0;
        const pump = () => {
          while (sent < total) {
            const piece = chunk.slice(0, Math.min(chunk.length, total - sent));
            sent += piece.length;
            if (!res.write(piece)) {
              res.once("drain", pump);
              return;
            }
          }
          res.end();
        };
        res.on("error", () => undefined);
        pump();
        return;
      }
    }
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    url: (pathname = "/config.yaml") => `${base}${pathname}`,
    answer: (a) => (current = a),
    requests,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A 127.0.0.1 port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
