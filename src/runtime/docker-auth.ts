// Registry credentials for a pull, read like the docker CLI does from
// `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`: the base64 "user:password"
// entries under `auths`. Credential helpers (`credsStore`, `credHelpers`) are not run:
// when one is configured for the image's registry the pull goes anonymous and the
// returned note says so (it is added to the pull's error message if the pull fails).
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { DOCKER_HUB, DOCKER_HUB_ALIASES, registryOfImage } from "./image-ref.js";

/** The key the docker CLI writes for Docker Hub. */
const DOCKER_HUB_KEY = "https://index.docker.io/v1/";

/** What goes into the X-Registry-Auth header. */
export interface RegistryAuth {
  username?: string;
  password?: string;
  identitytoken?: string;
  serveraddress: string;
}

export interface DockerConfigFile {
  /** Registry host (normalised, e.g. "docker.io", "127.0.0.1:5000") -> credentials. */
  auths: Map<string, RegistryAuth>;
  credsStore?: string;
  credHelpers: Record<string, string>;
}

export interface AuthLookup {
  auth?: RegistryAuth;
  /** Why no credentials are used although something is configured, or the config file's problem. */
  note?: string;
}

/** "https://index.docker.io/v1/" -> "docker.io"; "https://reg.example.org/v2/" -> "reg.example.org". */
export function normalizeRegistryKey(key: string): string {
  const host = (key.replace(/^[a-z]+:\/\//i, "").split("/")[0] ?? "").toLowerCase();
  return DOCKER_HUB_ALIASES.has(host) ? DOCKER_HUB : host;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** Parses config.json; throws an Error naming `source` when it is not a JSON object. */
export function parseDockerConfig(text: string, source: string): DockerConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new Error(`${source}: expected a JSON object`);
  const obj = raw as Record<string, unknown>;
  const auths = new Map<string, RegistryAuth>();
  const rawAuths = obj["auths"];
  if (typeof rawAuths === "object" && rawAuths !== null) {
    for (const [key, value] of Object.entries(rawAuths as Record<string, unknown>)) {
      if (typeof value !== "object" || value === null) continue;
      const entry = value as Record<string, unknown>;
      const registry = normalizeRegistryKey(key);
      const serveraddress = registry === DOCKER_HUB ? DOCKER_HUB_KEY : key;
      let username = str(entry["username"]);
      let password = str(entry["password"]);
      const encoded = str(entry["auth"]);
      if (encoded) {
        const decoded = Buffer.from(encoded, "base64").toString("utf8");
        const colon = decoded.indexOf(":");
        if (colon < 0) throw new Error(`${source}: auths["${key}"].auth is not base64 of "user:password"`);
        username = decoded.slice(0, colon);
        password = decoded.slice(colon + 1);
      }
      const identitytoken = str(entry["identitytoken"]);
      if (identitytoken)
        auths.set(registry, { identitytoken, serveraddress, ...(username ? { username } : {}) });
      else if (username !== undefined && password !== undefined)
        auths.set(registry, { username, password, serveraddress });
    }
  }
  const credHelpers: Record<string, string> = {};
  const rawHelpers = obj["credHelpers"];
  if (typeof rawHelpers === "object" && rawHelpers !== null) {
    for (const [key, helper] of Object.entries(rawHelpers as Record<string, unknown>)) {
      if (typeof helper === "string" && helper !== "") credHelpers[normalizeRegistryKey(key)] = helper;
    }
  }
  const credsStore = str(obj["credsStore"]);
  return { auths, credHelpers, ...(credsStore ? { credsStore } : {}) };
}

/** The credentials for the registry of `image`, from a parsed config. */
export function authForImage(config: DockerConfigFile, image: string, source: string): AuthLookup {
  const registry = registryOfImage(image);
  const helper = config.credHelpers[registry];
  if (helper) {
    return {
      note:
        `${source} names the credential helper "docker-credential-${helper}" for ${registry}; ` +
        `Plancton does not run credential helpers, so it pulls anonymously (put the credentials under ` +
        `"auths" instead)`,
    };
  }
  const auth = config.auths.get(registry);
  if (auth) return { auth };
  if (config.credsStore) {
    return {
      note:
        `${source} uses the credential store "docker-credential-${config.credsStore}" and has no ` +
        `"auths" entry for ${registry}; Plancton does not run credential helpers, so it pulls ` +
        `anonymously`,
    };
  }
  return {};
}

/** The config file's path: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  return join(env["DOCKER_CONFIG"] || join(home, ".docker"), "config.json");
}

/**
 * Reads the config file (each time: pulls are rare, and a `docker login` in between is
 * seen) and looks up the image's registry. Never throws: a missing file means anonymous,
 * a broken one anonymous with a note.
 */
export function loadRegistryAuth(
  image: string,
  opts: { env?: NodeJS.ProcessEnv; home?: string; readFile?: (path: string) => string } = {},
): AuthLookup {
  const path = dockerConfigPath(opts.env, opts.home);
  const read = opts.readFile ?? ((p: string) => readFileSync(p, "utf8"));
  let text: string;
  try {
    text = read(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return {};
    return { note: `cannot read ${path} (${(e as Error).message}); pulling anonymously` };
  }
  try {
    return authForImage(parseDockerConfig(text, path), image, path);
  } catch (e) {
    return { note: `${(e as Error).message}; pulling anonymously` };
  }
}
