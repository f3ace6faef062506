// The warning `config check` and `planctonctl status` show when a git-pulled config grants
// privileges without signed commits; nothing for a config without config_git, or signed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatProblem } from "../../src/config/errors.js";
import { parseConfigText } from "../../src/config/parse.js";
import { grantsOf } from "../../src/config/remote/git-trust-warning.js";

const warnings = (text: string) =>
  parseConfigText(text, "/etc/plancton/config.yaml").warnings.map((w) =>
    formatProblem("/etc/plancton/config.yaml", w),
  );

test("config_git without allowed_signers and a privilege: one warning with file, line, key and the fix", () => {
  const w = warnings(
    'main_sleep: 10\nconfig_git: {pull_every: 10m}\nbinds: ["/cvmfs:/cvmfs:ro"]\nnetwork_mode: host\n',
  );
  assert.equal(w.length, 1, w.join("\n"));
  assert.match(
    w[0] ?? "",
    /^\/etc\/plancton\/config\.yaml:2(:\d+)?: config_git: this git-pulled config grants host privileges \(binds: mounts host paths into pilots; network_mode: shares the host's network stack\) and its commits are not verified: .*set config_git\.allowed_signers/,
  );
  assert.equal(warnings("config_git: {pull_every: 10m}\nallow_remote_privileges: true\n").length, 1);
});

test("no warning: signed, no privilege, or no config_git (a single host as before)", () => {
  assert.deepEqual(warnings('config_git: {allowed_signers: signers}\nbinds: ["/cvmfs:/cvmfs"]\n'), []);
  assert.deepEqual(warnings("config_git: {pull_every: 10m}\nmain_sleep: 10\nnetwork_mode: bridge\n"), []);
  assert.deepEqual(warnings('binds: ["/cvmfs:/cvmfs"]\ndocker_privileged: true\n'), []);
});

test("grantsOf: privileged keys as set, the allow_* switches, and config_url when it may grant", () => {
  assert.deepEqual(grantsOf({ main_sleep: 1, docker_privileged: false, network_mode: "bridge" }), {});
  assert.deepEqual(grantsOf({ binds: ["/a:/a"], allow_remote_privileges: true, config_url: "https://x/c" }), {
    binds: ["/a:/a"],
    allow_remote_privileges: true,
    config_url: "https://x/c",
  });
  assert.deepEqual(grantsOf({ config_url: "https://x/c" }), {});
});
