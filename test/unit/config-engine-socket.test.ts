// Binds that reach the container engine's socket or / are refused, :ro included, unless
// the local file says allow_engine_socket: true; other binds are as before; a remote
// cannot set the key.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../../src/config/errors.js";
import { parseConfigText } from "../../src/config/parse.js";
import { layerConfig } from "../../src/config/remote/layers.js";
import { remoteConfigProblems } from "../../src/config/remote/privileges.js";

const refusal = (text: string): ConfigError => {
  try {
    parseConfigText(text, "/etc/plancton/config.yaml");
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail(`accepted:\n${text}`);
};

test("an engine socket, a directory holding one, or / is refused with file, line, key and the fix", () => {
  const binds = [
    "/var/run/docker.sock:/var/run/docker.sock:ro",
    "/run/podman/podman.sock:/run/podman.sock",
    "/run/containerd/containerd.sock:/c.sock:ro",
    "/home/u/.docker/run/docker.sock:/d.sock",
    "/var/run:/host-run:ro",
    "/run/:/r",
    "/:/host:ro",
    "//:/host2",
  ];
  for (const bind of binds) {
    const err = refusal(`main_sleep: 10\nbinds:\n  - /cvmfs:/cvmfs:ro\n  - ${bind}\n`);
    assert.equal(err.problems.length, 1, err.message);
    assert.match(
      err.message,
      /^\/etc\/plancton\/config\.yaml:4(:\d+)?: binds\[1\]: .*(socket|whole filesystem).*: remove this bind .*set allow_engine_socket: true in the local config\.yaml/,
      bind,
    );
  }
  assert.match(refusal("binds: ['/var/run/docker.sock:/s:ro']").message, /even with :ro/);
});

test("allow_engine_socket: true accepts them; other binds never needed it", () => {
  const ok = parseConfigText(
    "allow_engine_socket: true\nbinds: ['/var/run/docker.sock:/s:ro', '/:/h']\n",
    "c",
  );
  assert.deepEqual(ok.config.binds, ["/var/run/docker.sock:/s:ro", "/:/h"]);
  const plain = [
    "/cvmfs:/cvmfs:ro",
    "/scratch/pilots:/pool:rw",
    "/etc/grid-security:/etc/grid-security",
    "/runner:/r",
  ];
  const cfg = parseConfigText(`binds: ${JSON.stringify(plain)}\n`, "c").config;
  assert.deepEqual(cfg.binds, plain);
  assert.equal(cfg.allow_engine_socket, false);
});

test("a remote may not set allow_engine_socket, nor bring a socket bind past a local file without it", () => {
  const problems = remoteConfigProblems({ allow_engine_socket: true }, { allow_remote_privileges: true });
  assert.match(problems[0]?.message ?? "", /only the local config\.yaml may set this key/);
  assert.throws(
    () =>
      layerConfig(
        {
          remote: { binds: ["/var/run/docker.sock:/s"] },
          local: { allow_remote_privileges: true },
          remoteName: "https://conf.example/p.yaml",
        },
        "/etc/plancton/config.yaml",
      ),
    (err: unknown) =>
      err instanceof ConfigError &&
      /^https:\/\/conf\.example\/p\.yaml: binds\[0\]: .*allow_engine_socket/.test(err.message),
  );
});
