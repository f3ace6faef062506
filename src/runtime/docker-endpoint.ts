// Where to reach Docker: an explicit socket path, else DOCKER_HOST (unix://, tcp://,
// ssh://, with docker-modem's handling of DOCKER_TLS_VERIFY and DOCKER_CERT_PATH),
// else the user's Docker Desktop socket when it exists, else /var/run/docker.sock.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";

export interface DockerConnection {
  /** Options for `new Docker(...)`. */
  options: Docker.DockerOptions;
  /** For messages: "unix:///var/run/docker.sock", "tcp://10.0.0.2:2375". */
  endpoint: string;
}

const DEFAULT_SOCKET = "/var/run/docker.sock";

export function dockerConnection(
  socketPath: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  exists: (path: string) => boolean = existsSync,
  home: () => string = homedir,
): DockerConnection {
  // Explicit socket options override whatever docker-modem derives from DOCKER_HOST
  // (it would otherwise prefer a tcp:// host over our socket path).
  const unix = (path: string): DockerConnection => ({
    options: { socketPath: path, host: undefined, port: undefined, protocol: "http" },
    endpoint: `unix://${path}`,
  });
  if (socketPath) return unix(socketPath);
  const dockerHost = env["DOCKER_HOST"]?.trim();
  if (!dockerHost) {
    const userSocket = join(home(), ".docker", "run", "docker.sock");
    return unix(exists(userSocket) ? userSocket : DEFAULT_SOCKET);
  }
  if (dockerHost.startsWith("unix://")) return unix(dockerHost.slice("unix://".length) || DEFAULT_SOCKET);
  if (/^(tcp|ssh):\/\//.test(dockerHost) || !dockerHost.includes("://")) {
    // docker-modem reads DOCKER_HOST itself (with its TLS variables); we only check it parses.
    try {
      const url = new URL(dockerHost.includes("://") ? dockerHost : `tcp://${dockerHost}`);
      if (!url.hostname) throw new Error("no host");
    } catch {
      throw new Error(
        `DOCKER_HOST="${dockerHost}" is not a Docker address: use unix:///path/to/docker.sock or ` +
          `tcp://host:port`,
      );
    }
    return { options: {}, endpoint: dockerHost };
  }
  throw new Error(
    `DOCKER_HOST="${dockerHost}": unsupported scheme; use unix:///path/to/docker.sock or tcp://host:port`,
  );
}
