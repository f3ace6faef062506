// The `fleet` key: defaults, units, errors at file:line:key, and local only.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ConfigError } from "../../src/config/errors.js";
import { parseConfigText } from "../../src/config/parse.js";
import { remoteConfigProblems } from "../../src/config/remote/privileges.js";
import { AUTH_TIMEOUT_MS, etcdOptions } from "../../src/fleet/etcd-client.js";
import { fleetKeys } from "../../src/fleet/keys.js";

const F = "/etc/plancton/config.yaml";

function rejected(text: string): string {
  try {
    parseConfigText(text, F);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.message;
  }
  return assert.fail(`accepted: ${text}`);
}

test("no fleet key: null (the single-host daemon); a fleet key gets its defaults", () => {
  assert.equal(parseConfigText("", F).config.fleet, null);
  const { fleet } = parseConfigText("fleet:\n  etcd: [http://10.0.0.1:2379]\n  ttl: 30s\n", F).config;
  assert.deepEqual(fleet, {
    etcd: ["http://10.0.0.1:2379"],
    name: null,
    ttl: 30,
    renew_every: null,
    refresh_every: 60,
    prefix: "/plancton/",
    username: null,
    password_file: null,
    ca_file: null,
    cert_file: null,
    key_file: null,
  });
});

test("bad fleet values say where and what to write", () => {
  assert.match(rejected("fleet:\n  etcd: []\n"), /config\.yaml:2.*fleet\.etcd/s);
  assert.match(rejected("fleet:\n  etcd: [x]\n  name: a/b\n"), /fleet\.name.*no slash/s);
  assert.match(rejected("fleet:\n  etcd: [http://e:2379]\n  ttl: 1\n"), /fleet\.ttl.*between 2 s/s);
  assert.match(
    rejected("fleet:\n  etcd: [http://e:2379]\n  ttl: 15s\n  renew_every: 10s\n"),
    /config\.yaml:4.*fleet\.renew_every.*at most ttl\/2/s,
  );
  assert.match(
    rejected("fleet:\n  etcd: [http://e:2379]\n  refresh_every: 1s\n"),
    /fleet\.refresh_every.*between 10 s/s,
  );
  assert.match(
    rejected("fleet:\n  etcd: [http://e:2379]\n  username: plancton\n"),
    /username and password_file go together/,
  );
  assert.match(
    rejected("fleet:\n  etcd: [http://e:2379]\n  cert_file: /c.pem\n"),
    /cert_file and key_file go together/,
  );
  const { warnings } = parseConfigText("fleet:\n  etcd: [http://e:2379]\n  tll: 5\n", F);
  assert.ok(
    warnings.some((w) => w.key?.includes("tll")),
    JSON.stringify(warnings),
  );
});

test("a remote config may not set fleet (it would move the host to another etcd)", () => {
  const problems = remoteConfigProblems(
    { fleet: { etcd: ["http://evil:2379"] } },
    { allow_remote_privileges: true },
  );
  assert.deepEqual(
    problems.map((p) => p.key),
    ["fleet"],
  );
});

test("etcd options: deadlines on calls, none on streams; TLS and password files; unreadable files name the key", async () => {
  const base = {
    etcd: ["http://e:2379"],
    username: null,
    password_file: null,
    ca_file: null,
    cert_file: null,
    key_file: null,
  };
  const o = await etcdOptions(base, 1234);
  assert.equal(o.credentials, undefined);
  const call = o.defaultCallOptions as (ctx: { isStream: boolean }) => { deadline?: number };
  assert.deepEqual(call({ isStream: true }), {});
  assert.ok((call({ isStream: false }).deadline ?? 0) > Date.now());
  await assert.rejects(
    etcdOptions({ ...base, username: "u", password_file: "/nonexistent/pw" }),
    /fleet\.password_file: cannot read \/nonexistent\/pw/,
  );
  const dir = await mkdtemp(path.join(os.tmpdir(), "plancton-fleetopt-"));
  try {
    await writeFile(path.join(dir, "pw"), "s3cret\n");
    const eps = ["http://a:2379", "http://b:2379", "http://c:2379", "http://d:2379"];
    const withAuth = await etcdOptions({
      ...base,
      etcd: eps,
      username: "u",
      password_file: path.join(dir, "pw"),
    });
    assert.equal(withAuth.auth?.password, "s3cret");
    // The token exchange (bcrypt on etcd) waits up to AUTH_TIMEOUT_MS, not a routine call's 3 s.
    const authCall = withAuth.auth?.callOptions as () => { deadline: number };
    assert.ok(authCall().deadline >= Date.now() + AUTH_TIMEOUT_MS - 1000);
    assert.deepEqual([...(withAuth.hosts as string[])].sort(), eps, "every member, in some order");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const pw = new URL("../fixtures/", import.meta.url).pathname;
  await assert.rejects(
    etcdOptions({ ...base, cert_file: `${pw}nope.pem`, key_file: `${pw}nope.key` }),
    /fleet\.cert_file/,
  );
});

test("keys: one status, alive and command key per host, the all-hosts command apart", () => {
  const k = fleetKeys("/plancton/");
  assert.equal(k.status("wn1"), "/plancton/hosts/wn1");
  assert.equal(k.alive("wn1"), "/plancton/alive/wn1");
  assert.equal(k.command("all"), "/plancton/command/host/all");
  assert.notEqual(k.command("all"), k.allCommand);
});
