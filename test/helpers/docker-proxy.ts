// A unix-socket proxy in front of Docker's socket, so a test can make Docker
// "unreachable" for one daemon (socket gone, connections cut) and bring it back on the
// same path, without stopping the real dockerd that other tests use.
//   const proxy = await createDockerProxy();            // down: nothing at proxy.path
//   createDockerEngine({ socketPath: proxy.path });
//   await proxy.start(); ... await proxy.stop(); ... await proxy.start();
//   await proxy.close();                                // stop and remove the temp dir
//   proxy.stopOnRequest(/\/start /);                    // vanish at the next pilot start
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export const DOCKER_SOCKET = "/var/run/docker.sock";

export interface DockerProxy {
  /** The proxy's socket path (in a temp dir); nothing listens there while it is down. */
  readonly path: string;
  /** true between start() and stop(). */
  readonly up: boolean;
  /** Connections accepted since creation (each one is forwarded to Docker). */
  readonly accepted: number;
  /** Connections open now (client side). */
  readonly open: number;
  /** Listens on `path` again (removing a stale socket file first). No-op when up. */
  start(): Promise<void>;
  /** Closes the server, destroys every open connection (both sides) and removes the socket file. */
  stop(): Promise<void>;
  /** stop(), then removes the temp dir. */
  close(): Promise<void>;
  /**
   * Arms a trap: the first request whose request line (e.g. "POST /v1.41/containers/ab/start
   * HTTP/1.1") matches `pattern` is not forwarded; the proxy stops at once instead, as if
   * Docker vanished right then. Resolves with that request line.
   */
  stopOnRequest(pattern: RegExp): Promise<string>;
}

export async function createDockerProxy(
  opts: { target?: string; start?: boolean } = {},
): Promise<DockerProxy> {
  const target = opts.target ?? DOCKER_SOCKET;
  const dir = await mkdtemp(path.join(os.tmpdir(), "plancton-docker-proxy-"));
  const socketPath = path.join(dir, "docker.sock");
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let server: net.Server | undefined;
  let accepted = 0;
  let trap: { pattern: RegExp; resolve: (line: string) => void } | undefined;

  const onConnection = (client: net.Socket): void => {
    accepted++;
    const upstream = net.createConnection(target);
    const pair = { client, upstream };
    pairs.add(pair);
    const drop = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    // Any error or close on either side ends both: the client then sees a reset or EOF,
    // as it would if dockerd went away.
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    // Requests are forwarded chunk by chunk, each looked at for a request line the trap wants.
    client.on("data", (chunk: Buffer) => {
      const t = trap;
      if (t) {
        const line = /^(?:GET|POST|PUT|DELETE|HEAD) \S+ HTTP\/1\.[01]/m.exec(chunk.toString("latin1"))?.[0];
        if (line && t.pattern.test(line)) {
          trap = undefined;
          void proxy.stop().then(() => t.resolve(line));
          return;
        }
      }
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on("drain", () => client.resume());
    upstream.pipe(client);
  };

  const proxy: DockerProxy = {
    path: socketPath,
    get up() {
      return server !== undefined;
    },
    get accepted() {
      return accepted;
    },
    get open() {
      return pairs.size;
    },
    async start() {
      if (server) return;
      await rm(socketPath, { force: true });
      const s = net.createServer(onConnection);
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.listen(socketPath, () => {
          s.off("error", reject);
          resolve();
        });
      });
      server = s;
    },
    async stop() {
      const s = server;
      server = undefined;
      if (!s) return;
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      for (const p of [...pairs]) {
        p.client.destroy();
        p.upstream.destroy();
      }
      pairs.clear();
      await closed;
      await rm(socketPath, { force: true });
    },
    async close() {
      trap = undefined;
      await proxy.stop();
      await rm(dir, { recursive: true, force: true });
    },
    stopOnRequest(pattern) {
      return new Promise((resolve) => (trap = { pattern, resolve }));
    },
  };
  if (opts.start) await proxy.start();
  return proxy;
}
