// The engine when Docker is not there or not answering, on real sockets (no dockerd
// needed): missing socket, refused connection, DOCKER_HOST, request timeouts, and
// watchEvents' reconnection with `since` against a stand-in HTTP server on a unix socket.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createDockerEngine } from "../../src/runtime/docker-engine.js";
import { EngineTimeoutError, EngineUnavailableError } from "../../src/runtime/engine.js";
import { waitFor } from "./runtime-helpers.js";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "plancton-conn-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("Docker unreachable", () => {
  test("a missing socket is EngineUnavailableError (ENOENT) naming the socket", async () => {
    const engine = createDockerEngine({ socketPath: "/tmp/nonexistent.sock" });
    await assert.rejects(engine.ping(), (e: Error) => {
      assert.ok(e instanceof EngineUnavailableError);
      assert.equal(e.code, "ENOENT");
      assert.equal(e.message, "ping: Docker is not reachable at unix:///tmp/nonexistent.sock: ENOENT");
      return true;
    });
    await assert.rejects(engine.listPilots({ a: "b" }), EngineUnavailableError);
    await assert.rejects(engine.pull("busybox"), EngineUnavailableError);
    assert.equal(engine.apiCalls, 3);
  });

  test("a socket nobody listens on is EngineUnavailableError (ECONNREFUSED)", async () => {
    const path = join(dir, "dead.sock");
    await writeFile(path, "");
    await assert.rejects(
      createDockerEngine({ socketPath: path }).info(),
      (e: Error) => e instanceof EngineUnavailableError && e.code === "ECONNREFUSED",
    );
  });

  test("DOCKER_HOST is honoured (unix:// and tcp://)", async () => {
    const saved = process.env["DOCKER_HOST"];
    try {
      process.env["DOCKER_HOST"] = "unix:///tmp/nonexistent-docker-host.sock";
      const unix = createDockerEngine();
      assert.equal(unix.endpoint, "unix:///tmp/nonexistent-docker-host.sock");
      await assert.rejects(
        unix.ping(),
        (e: Error) =>
          e instanceof EngineUnavailableError &&
          e.message.includes("unix:///tmp/nonexistent-docker-host.sock"),
      );

      const port = await new Promise<number>((resolve) => {
        const s = createNetServer().listen(0, "127.0.0.1", () => {
          const addr = s.address();
          s.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
        });
      });
      process.env["DOCKER_HOST"] = `tcp://127.0.0.1:${port}`;
      const tcp = createDockerEngine();
      await assert.rejects(
        tcp.ping(),
        (e: Error) =>
          e instanceof EngineUnavailableError &&
          e.code === "ECONNREFUSED" &&
          e.message.includes(`tcp://127.0.0.1:${port}`),
      );
    } finally {
      if (saved === undefined) delete process.env["DOCKER_HOST"];
      else process.env["DOCKER_HOST"] = saved;
    }
  });

  test("a Docker that accepts but never answers times out with EngineTimeoutError", async () => {
    const path = join(dir, "mute.sock");
    const sockets: Socket[] = [];
    const mute: NetServer = createNetServer((s) => sockets.push(s));
    await new Promise<void>((r) => mute.listen(path, r));
    try {
      const engine = createDockerEngine({ socketPath: path, timeoutMs: 200 });
      await assert.rejects(engine.listPilots({ a: "b" }), (e: Error) => {
        assert.ok(e instanceof EngineTimeoutError);
        assert.ok(e instanceof EngineUnavailableError, "a mute Docker counts as unavailable");
        assert.equal(e.message, `list containers: Docker at unix://${path} did not answer within 200 ms`);
        return true;
      });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => mute.close(r));
    }
  });
});

describe("watchEvents reconnects", () => {
  /** A stand-in for dockerd's /events: sends the queued lines, then keeps or drops the stream. */
  let server: Server | undefined;
  const requests: URL[] = [];
  const open: ServerResponse[] = [];
  const path = () => join(dir, "events.sock");
  let lines: string[] = [];

  function start(): Promise<void> {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      requests.push(new URL(req.url ?? "/", "http://docker"));
      if (!req.url?.startsWith("/events")) {
        res.writeHead(404, { "Content-Type": "application/json" }).end('{"message":"page not found"}');
        return;
      }
      res.writeHead(200, { "Content-Type": "application/json" });
      for (const l of lines) res.write(l + "\n");
      open.push(res);
    });
    return new Promise((r) => server!.listen(path(), () => r()));
  }
  /** Docker going away: every stream cut, the socket gone. */
  async function stop(): Promise<void> {
    for (const res of open.splice(0)) res.destroy();
    await new Promise((r) => server!.close(r));
    server = undefined;
  }
  after(async () => {
    if (server) await stop();
  });

  test("after the stream is lost, reconnects with backoff and asks for the events since the last one", async () => {
    // Docker's exact timeNano (more digits than a JSON number keeps).
    lines = [
      '{"Type":"container","Action":"start","Actor":{"ID":"c1","Attributes":{"name":"p1"}},"time":1700000000,"timeNano":1700000000123456789}',
    ];
    await start();
    const engine = createDockerEngine({
      socketPath: path(),
      eventBackoff: { initialDelayMs: 20, maxDelayMs: 100 },
    });
    const events: string[] = [];
    const states: [boolean, string | undefined][] = [];
    const watch = engine.watchEvents(
      { "org.plancton.instance": "a" },
      (e) => events.push(`${e.id}:${e.action}`),
      (c, err) => states.push([c, err?.name]),
    );
    try {
      await waitFor("the first event", () => events.length === 1, 5_000);
      const first = requests[0]!;
      assert.equal(first.searchParams.get("since"), null, "the first connection starts from now");
      assert.deepEqual(JSON.parse(first.searchParams.get("filters") ?? "{}"), {
        type: ["container"],
        label: ["org.plancton.instance=a"],
      });

      // Docker stops: the loss is reported once, retries fail (socket gone) without more reports.
      await stop();
      await waitFor("the loss to be reported", () => states.length === 2, 5_000);
      const calls = engine.apiCalls;
      await waitFor("a few failed reconnects", () => engine.apiCalls >= calls + 3, 5_000);
      assert.equal(states.length, 2);

      // Docker is back: the same event is replayed by `since` and not delivered twice.
      lines.push(
        '{"Type":"container","Action":"die","Actor":{"ID":"c1","Attributes":{"exitCode":"0"}},"time":1700000001,"timeNano":1700000001000000000}',
      );
      const before = requests.length;
      await start();
      await waitFor("the event after the restart", () => events.length === 2, 5_000);
      assert.deepEqual(events, ["c1:start", "c1:die"]);
      assert.equal(requests[before]!.searchParams.get("since"), "1700000000.123456789");
      assert.deepEqual(states, [
        [true, undefined],
        [false, "EngineUnavailableError"],
        [true, undefined],
      ]);
    } finally {
      watch.close();
    }
  });
});
