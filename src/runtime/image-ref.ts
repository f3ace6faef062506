// Image references, parsed as Docker does: which registry, which repository and tag.

export const DOCKER_HUB = "docker.io";
export const DOCKER_HUB_ALIASES: ReadonlySet<string> = new Set([
  "docker.io",
  "index.docker.io",
  "registry-1.docker.io",
  "registry.hub.docker.com",
]);

/**
 * The registry host of an image reference: the first path component when it has a
 * "." or ":" or is "localhost", otherwise Docker Hub.
 *   "busybox" -> "docker.io";  "127.0.0.1:5000/x/y:t" -> "127.0.0.1:5000"
 */
export function registryOfImage(image: string): string {
  const slash = image.indexOf("/");
  if (slash < 0) return DOCKER_HUB;
  const first = image.slice(0, slash);
  if (first.includes(".") || first.includes(":") || first === "localhost") {
    const host = first.toLowerCase();
    return DOCKER_HUB_ALIASES.has(host) ? DOCKER_HUB : host;
  }
  return DOCKER_HUB;
}

/**
 * Repository and tag (or digest) for Docker's pull (`fromImage`, `tag`); no tag = "latest".
 *   "host:5000/repo" -> host:5000/repo + latest;  "repo@sha256:ab" -> repo + sha256:ab
 */
export function splitImage(image: string): { repository: string; tag: string } {
  const at = image.indexOf("@");
  if (at >= 0) return { repository: image.slice(0, at), tag: image.slice(at + 1) };
  const colon = image.lastIndexOf(":");
  if (colon > image.lastIndexOf("/"))
    return { repository: image.slice(0, colon), tag: image.slice(colon + 1) };
  return { repository: image, tag: "latest" };
}
