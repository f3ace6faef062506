// pull() against a real registry on 127.0.0.1 (Debian's docker-registry, with basic
// auth): the test image is pushed to it, its local tag removed, and pull() brings it
// back using the credentials of $DOCKER_CONFIG/config.json. Failures (no credentials,
// unknown tag, no registry) reject with Docker's message.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { access, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { freePort } from "../helpers/free-port.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createDockerEngine } from "../../src/runtime/docker-engine.js";
import { DockerApiError, type ContainerEngine } from "../../src/runtime/engine.js";
import { TEST_IMAGE, dockerCli, requireDocker, waitFor } from "./runtime-helpers.js";

const REGISTRY_BIN = "/usr/bin/docker-registry";
const USER = "pltest";
const PASSWORD = "plancton-test-pw";
/** bcrypt (cost 4) of PASSWORD, as htpasswd -B would write it. */
const PASSWORD_BCRYPT = "$2b$04$pDlrtPzPWji9LdmCxQ5fROgryjpbrb5SXyg7T5bVJpVv6JwERg0Jm";

let dir: string;
let port: number;
let registry: ChildProcess | undefined;
let registryLog = "";
let engine: ContainerEngine;
let image: string;
const savedDockerConfig = process.env["DOCKER_CONFIG"];

/** Points the Docker config (for the engine and the CLI) at a file with these auths. */
async function useDockerConfig(name: string, auths: Record<string, unknown>): Promise<string> {
  const configDir = join(dir, name);
  await mkdir(configDir, { recursive: true });
  await writeFile(join(configDir, "config.json"), JSON.stringify({ auths }));
  process.env["DOCKER_CONFIG"] = configDir;
  return configDir;
}

const basic = (user: string, password: string) => ({
  auth: Buffer.from(`${user}:${password}`).toString("base64"),
});

before(async () => {
  await requireDocker();
  try {
    await access(REGISTRY_BIN);
  } catch {
    throw new Error(
      `${REGISTRY_BIN} is missing: run \`npm run prepare-host\` (installs Debian's docker-registry)`,
    );
  }
  engine = createDockerEngine();
  dir = await mkdtemp(join(tmpdir(), "plancton-registry-"));
  port = await freePort();
  await writeFile(join(dir, "htpasswd"), `${USER}:${PASSWORD_BCRYPT}\n`);
  await writeFile(
    join(dir, "config.yml"),
    [
      "version: 0.1",
      "log:",
      "  level: warn",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${join(dir, "data")}`,
      "http:",
      `  addr: 127.0.0.1:${port}`,
      "auth:",
      "  htpasswd:",
      "    realm: plancton-test",
      `    path: ${join(dir, "htpasswd")}`,
      "",
    ].join("\n"),
  );
  registry = spawn(REGISTRY_BIN, ["serve", join(dir, "config.yml")], { stdio: ["ignore", "pipe", "pipe"] });
  registry.stdout?.on("data", (d: Buffer) => (registryLog += d.toString()));
  registry.stderr?.on("data", (d: Buffer) => (registryLog += d.toString()));
  await waitFor(
    `the registry on 127.0.0.1:${port} (log: ${registryLog.slice(-500)})`,
    async () => {
      if (registry?.exitCode !== null) throw new Error(`docker-registry exited: ${registryLog.slice(-500)}`);
      const res = await fetch(`http://127.0.0.1:${port}/v2/`).catch(() => undefined);
      return res?.status === 401; // up, and asking for credentials
    },
    15_000,
  );

  image = `127.0.0.1:${port}/plancton/pilot:t1`;
  const configDir = await useDockerConfig("push", { [`127.0.0.1:${port}`]: basic(USER, PASSWORD) });
  await dockerCli("tag", TEST_IMAGE, image);
  await dockerCli("--config", configDir, "push", image);
  await dockerCli("rmi", image);
});

after(async () => {
  if (savedDockerConfig === undefined) delete process.env["DOCKER_CONFIG"];
  else process.env["DOCKER_CONFIG"] = savedDockerConfig;
  if (image) await dockerCli("rmi", image).catch(() => undefined);
  if (registry && registry.exitCode === null) {
    const exited = new Promise((r) => registry!.once("exit", r));
    registry.kill("SIGTERM");
    await exited;
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("pull", () => {
  test("without credentials the registry refuses, and the message says so", async () => {
    await useDockerConfig("none", {});
    assert.equal(await engine.imagePresent(image), false);
    await assert.rejects(engine.pull(image), (e: Error) => {
      assert.ok(e instanceof DockerApiError, String(e));
      assert.match(
        e.message,
        new RegExp(
          `^pull ${image.replace(/[.]/g, "\\.")}: \\d{3} .*(no basic auth credentials|unauthorized)`,
        ),
      );
      return true;
    });
  });

  test("with the credentials of the Docker config file it brings the image back", async () => {
    await useDockerConfig("auth", { [`http://127.0.0.1:${port}`]: basic(USER, PASSWORD) });
    assert.equal(await engine.imagePresent(image), false);
    const before = engine.apiCalls;
    await engine.pull(image);
    assert.equal(engine.apiCalls - before, 1);
    assert.equal(await engine.imagePresent(image), true);
    // Always pulls, even when the tag is present (":latest must be the latest").
    const log = registryLog.length;
    await engine.pull(image);
    await waitFor(
      "the registry to see the second pull",
      () =>
        /GET \/v2\/plancton\/pilot\/manifests\/t1|HEAD \/v2\/plancton\/pilot\/manifests\/t1/.test(
          registryLog.slice(log),
        ),
      5_000,
    );
  });

  test("a caller's signal aborts the pull", async () => {
    const ctl = new AbortController();
    ctl.abort();
    await assert.rejects(engine.pull(image, { signal: ctl.signal }), { message: `pull ${image}: aborted` });
  });

  test("an unknown tag rejects with Docker's message", async () => {
    await useDockerConfig("auth2", { [`127.0.0.1:${port}`]: basic(USER, PASSWORD) });
    const missing = `127.0.0.1:${port}/plancton/pilot:no-such-tag`;
    await assert.rejects(engine.pull(missing), (e: Error) => {
      assert.match(
        e.message,
        new RegExp(`^pull ${missing.replace(/[.]/g, "\\.")}: .*(not found|manifest unknown)`),
      );
      return true;
    });
  });

  test("a registry that is not there rejects with Docker's message", async () => {
    const nowhere = `127.0.0.1:${await freePort()}/plancton/pilot:t1`;
    await assert.rejects(engine.pull(nowhere), (e: Error) => {
      assert.match(
        e.message,
        new RegExp(`^pull ${nowhere.replace(/[.]/g, "\\.")}: \\d{3} .*connection refused`),
      );
      return true;
    });
  });
});
