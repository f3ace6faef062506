// HTTPS targets against a local server with a self-signed certificate: insecure_https
// (v1) and insecureTls (v2) deliver, a verifying target refuses the certificate and
// keeps the points; the requests carry the right paths and credentials.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { parseInfluxdbUrl } from "../../src/config/influxdb-url.js";
import { createSink, tickPoint } from "../../src/metrics/index.js";

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const point = (i: number) =>
  tickPoint(
    { durationMs: i, dockerApiCalls: 1, started: 0, killed: 0, paused: 0, resumed: 0 },
    1_700_000_000_000 + i,
  );

describe("metrics sinks over HTTPS (self-signed server)", { timeout: 60_000 }, () => {
  let dir: string;
  let server: https.Server;
  let base: string;
  const seen: Seen[] = [];

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "plancton-tls-"));
    try {
      execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          path.join(dir, "key.pem"),
          "-out",
          path.join(dir, "cert.pem"),
          "-days",
          "1",
          "-subj",
          "/CN=127.0.0.1",
          "-addext",
          "subjectAltName=IP:127.0.0.1",
        ],
        { stdio: "pipe" },
      );
    } catch (e) {
      throw new Error(`openssl could not make a test certificate (install Debian's openssl): ${String(e)}`);
    }
    server = https.createServer(
      { key: readFileSync(path.join(dir, "key.pem")), cert: readFileSync(path.join(dir, "cert.pem")) },
      (req, res) => {
        let body = "";
        req.setEncoding("utf8");
        req.on("data", (c: string) => (body += c));
        req.on("end", () => {
          seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
          res.writeHead(204).end();
        });
      },
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it("insecure_https:// delivers to a self-signed server, with basic auth from the URL", async () => {
    seen.length = 0;
    const sink = createSink(parseInfluxdbUrl(`insecure_https://writer:p%40ss@${base}#site db`), {
      maxBufferedPoints: 100,
    });
    sink.write([point(1), point(2)]);
    await sink.close(10_000);
    assert.equal(sink.stats().delivered, 2, JSON.stringify(sink.stats()));
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.method, "POST");
    assert.equal(seen[0]?.url, "/write?db=site+db&precision=ms");
    assert.equal(seen[0]?.headers.authorization, `Basic ${Buffer.from("writer:p@ss").toString("base64")}`);
    assert.equal(
      seen[0]?.body,
      "tick docker_api_calls=1i,duration_ms=1,killed=0i,paused=0i,resumed=0i,started=0i 1700000000001\n" +
        "tick docker_api_calls=1i,duration_ms=2,killed=0i,paused=0i,resumed=0i,started=0i 1700000000002",
    );
    assert.ok(!sink.stats().target.includes("p%40ss"), "no password in stats");
  });

  it("a verifying https target refuses the certificate and keeps the points for later", async () => {
    seen.length = 0;
    const errors: string[] = [];
    const sink = createSink(parseInfluxdbUrl(`https://${base}#db`), {
      maxBufferedPoints: 100,
      onError: (m) => errors.push(m),
      minRetryMs: 100,
      maxRetryMs: 200,
    });
    sink.write([point(1)]);
    await sink.flush(1500);
    const s = sink.stats();
    assert.equal(seen.length, 0);
    assert.equal(s.delivered, 0);
    assert.equal(s.buffered, 1);
    assert.ok(s.retries >= 1);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0] ?? "", /self[- ]signed certificate/i);
    await sink.close(0);
    assert.equal(sink.stats().dropped, 1);
  });

  it("v2 with insecureTls writes to /api/v2/write with the token", async () => {
    seen.length = 0;
    const sink = createSink(
      {
        kind: "v2",
        url: `https://${base}/`,
        token: "tok-1",
        org: "my org",
        bucket: "plancton",
        insecureTls: true,
      },
      { maxBufferedPoints: 100 },
    );
    sink.write([point(3)]);
    await sink.close(10_000);
    assert.equal(sink.stats().delivered, 1, JSON.stringify(sink.stats()));
    assert.equal(seen[0]?.url, "/api/v2/write?org=my+org&bucket=plancton&precision=ms");
    assert.equal(seen[0]?.headers.authorization, "Token tok-1");
    assert.equal(seen[0]?.headers["content-type"], "text/plain; charset=utf-8");
  });
});
