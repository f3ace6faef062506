import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  authForImage,
  dockerConfigPath,
  loadRegistryAuth,
  normalizeRegistryKey,
  parseDockerConfig,
} from "../../src/runtime/docker-auth.js";
import { registryOfImage, splitImage } from "../../src/runtime/image-ref.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("registryOfImage", () => {
  it("is Docker Hub for short and user/repo names", () => {
    for (const image of [
      "busybox",
      "busybox:1.36",
      "library/busybox",
      "cern/htcondor:latest",
      "repo@sha256:abcd",
    ]) {
      assert.equal(registryOfImage(image), "docker.io", image);
    }
  });
  it("is the first component when it looks like a host", () => {
    assert.equal(registryOfImage("127.0.0.1:5000/plancton/pilot:t1"), "127.0.0.1:5000");
    assert.equal(registryOfImage("registry.cern.ch/alice/pilot"), "registry.cern.ch");
    assert.equal(registryOfImage("localhost/pilot"), "localhost");
    assert.equal(registryOfImage("Docker.IO/library/busybox"), "docker.io");
  });
});

describe("splitImage", () => {
  it("splits tag, digest, and defaults to latest without confusing a registry port", () => {
    assert.deepEqual(splitImage("busybox"), { repository: "busybox", tag: "latest" });
    assert.deepEqual(splitImage("busybox:1.36"), { repository: "busybox", tag: "1.36" });
    assert.deepEqual(splitImage("127.0.0.1:5000/p/q"), { repository: "127.0.0.1:5000/p/q", tag: "latest" });
    assert.deepEqual(splitImage("127.0.0.1:5000/p/q:t1"), { repository: "127.0.0.1:5000/p/q", tag: "t1" });
    assert.deepEqual(splitImage("p/q@sha256:ab"), { repository: "p/q", tag: "sha256:ab" });
  });
});

describe("normalizeRegistryKey", () => {
  it("reduces config keys to a host", () => {
    assert.equal(normalizeRegistryKey("https://index.docker.io/v1/"), "docker.io");
    assert.equal(normalizeRegistryKey("https://reg.example.org/v2/"), "reg.example.org");
    assert.equal(normalizeRegistryKey("127.0.0.1:5000"), "127.0.0.1:5000");
    assert.equal(normalizeRegistryKey("http://Reg.Example.org"), "reg.example.org");
  });
});

describe("parseDockerConfig and authForImage", () => {
  const text = JSON.stringify({
    auths: {
      "https://index.docker.io/v1/": { auth: b64("hubuser:hub:pass") },
      "127.0.0.1:5000": { username: "u", password: "p" },
      "https://token.example.org": { identitytoken: "tok" },
      "empty.example.org": {},
    },
  });
  const config = parseDockerConfig(text, "/cfg/config.json");

  it("decodes base64 user:password (the password may hold colons) with Docker Hub's address", () => {
    assert.deepEqual(authForImage(config, "busybox", "f").auth, {
      username: "hubuser",
      password: "hub:pass",
      serveraddress: "https://index.docker.io/v1/",
    });
  });
  it("takes plain username/password and identity tokens", () => {
    assert.deepEqual(authForImage(config, "127.0.0.1:5000/x:y", "f").auth, {
      username: "u",
      password: "p",
      serveraddress: "127.0.0.1:5000",
    });
    assert.deepEqual(authForImage(config, "token.example.org/x", "f").auth, {
      identitytoken: "tok",
      serveraddress: "https://token.example.org",
    });
  });
  it("gives nothing for registries without an entry (or an empty one)", () => {
    assert.deepEqual(authForImage(config, "other.example.org/x", "f"), {});
    assert.deepEqual(authForImage(config, "empty.example.org/x", "f"), {});
  });
  it("notes credential helpers instead of running them", () => {
    const c = parseDockerConfig(
      JSON.stringify({
        credsStore: "desktop",
        credHelpers: { "gcr.io": "gcloud" },
        auths: { "127.0.0.1:5000": { auth: b64("a:b") } },
      }),
      "f",
    );
    const helper = authForImage(c, "gcr.io/p/i", "/cfg/config.json");
    assert.equal(helper.auth, undefined);
    assert.match(helper.note ?? "", /docker-credential-gcloud.*gcr\.io.*anonymously/);
    const store = authForImage(c, "busybox", "/cfg/config.json");
    assert.match(store.note ?? "", /docker-credential-desktop.*docker\.io/);
    assert.deepEqual(authForImage(c, "127.0.0.1:5000/x", "f").auth, {
      username: "a",
      password: "b",
      serveraddress: "127.0.0.1:5000",
    });
  });
  it("names the file when it is broken", () => {
    assert.throws(() => parseDockerConfig("{", "/cfg/config.json"), /\/cfg\/config\.json: not valid JSON/);
    assert.throws(
      () => parseDockerConfig("[]", "/cfg/config.json"),
      /\/cfg\/config\.json: expected a JSON object/,
    );
    assert.throws(
      () => parseDockerConfig(JSON.stringify({ auths: { r: { auth: b64("nocolon") } } }), "/c"),
      /auths\["r"\]\.auth is not base64/,
    );
  });
});

describe("loadRegistryAuth", () => {
  it("reads $DOCKER_CONFIG/config.json, else ~/.docker/config.json", () => {
    assert.equal(dockerConfigPath({ DOCKER_CONFIG: "/etc/dc" }, "/home/u"), "/etc/dc/config.json");
    assert.equal(dockerConfigPath({}, "/home/u"), "/home/u/.docker/config.json");
    const read: string[] = [];
    const found = loadRegistryAuth("127.0.0.1:5000/x", {
      env: { DOCKER_CONFIG: "/etc/dc" },
      home: "/home/u",
      readFile: (p) => (read.push(p), JSON.stringify({ auths: { "127.0.0.1:5000": { auth: b64("a:b") } } })),
    });
    assert.deepEqual(read, ["/etc/dc/config.json"]);
    assert.equal(found.auth?.username, "a");
  });
  it("is anonymous without a file, and anonymous with a note for a broken one", () => {
    const missing = () => {
      throw Object.assign(new Error("ENOENT: no such file"), { code: "ENOENT" });
    };
    assert.deepEqual(loadRegistryAuth("busybox", { env: {}, home: "/h", readFile: missing }), {});
    const broken = loadRegistryAuth("busybox", { env: {}, home: "/h", readFile: () => "{nope" });
    assert.equal(broken.auth, undefined);
    assert.match(broken.note ?? "", /^\/h\/\.docker\/config\.json: not valid JSON.*pulling anonymously$/);
    const denied = loadRegistryAuth("busybox", {
      env: {},
      home: "/h",
      readFile: () => {
        throw Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
      },
    });
    assert.match(denied.note ?? "", /cannot read \/h\/\.docker\/config\.json/);
  });
});
