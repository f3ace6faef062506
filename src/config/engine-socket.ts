// Binds that hand a pilot the host: a container engine's socket (a read-only bind of a
// unix socket still connects, so `:ro` does not help), a directory that holds one, or
// `/`. Refused unless the local file says allow_engine_socket: true.
import path from "node:path";
import type { ConfigProblem } from "./errors.js";
import { preview } from "./errors.js";

/** Socket names of container engines (Docker, Podman, containerd, CRI-O, BuildKit). */
const ENGINE_SOCKETS = /^(docker|dockershim|cri-dockerd|podman|containerd|crio|buildkitd?)\.sock$/;

/** Where engines put their sockets: a bind of any of these (or of a parent) reaches one. */
const SOCKET_DIRS = [
  "/run/docker.sock",
  "/var/run/docker.sock",
  "/run/podman/podman.sock",
  "/var/run/podman/podman.sock",
  "/run/containerd/containerd.sock",
  "/var/run/containerd/containerd.sock",
  "/run/crio/crio.sock",
  "/var/run/crio/crio.sock",
  "/run/buildkit/buildkitd.sock",
  "/run/user/0/podman/podman.sock",
  "/run/user/0/docker.sock",
];

/** Why a bind's host path reaches the engine or the whole host; undefined when it does not. */
export function engineBindReason(bind: string): string | undefined {
  const host = bind.split(":")[0] ?? "";
  if (!host.startsWith("/")) return undefined; // a named volume
  const p = path.posix.normalize(host).replace(/(.)\/+$/, "$1");
  if (p === "/") return "mounts the host's whole filesystem";
  if (ENGINE_SOCKETS.test(path.posix.basename(p)))
    return (
      "is a container engine's socket: a pilot with it is root on this host, even with :ro (a socket " +
      "still connects)"
    );
  if (SOCKET_DIRS.some((s) => s.startsWith(`${p}/`)))
    return "holds a container engine's socket: a pilot with it is root on this host, even with :ro";
  return undefined;
}

/** One problem per bind that reaches the engine or `/`, unless allow_engine_socket is set. */
export function engineSocketProblems(binds: readonly string[], allowed: boolean): ConfigProblem[] {
  if (allowed) return [];
  const problems: ConfigProblem[] = [];
  binds.forEach((bind, i) => {
    const why = engineBindReason(bind);
    if (why === undefined) return;
    problems.push({
      key: `binds[${i}]`,
      message:
        `${preview(bind, 80)} ${why}: remove this bind (mount only the data directory the pilots need), ` +
        "or, if the pilots must drive the engine, set allow_engine_socket: true in the local config.yaml",
    });
  });
  return problems;
}
