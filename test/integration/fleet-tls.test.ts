// The fleet on an etcd run as sites run it: https with client-certificate auth and a
// user/password with a role limited to the fleet's prefix. A daemon's agent registers
// through the `fleet` key's TLS and password files, planctonctl reads them from the same
// config, and a wrong password is one clear line, never a registration.
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { parseConfigText } from "../../src/config/parse.js";
import { startFleet, type FleetHandle } from "../../src/fleet/index.js";
import type { FleetHost } from "../../src/fleet/fleet-types.js";
import { planctonctl } from "../helpers/cli.js";
import { EtcdCluster, requireEtcd, type EtcdTls } from "../helpers/etcd-cluster.js";
import { waitFor } from "../helpers/wait.js";

const run = promisify(execFile);
let dir = "";
let tls: EtcdTls;
let cluster: EtcdCluster | undefined;

function makeCerts(d: string): EtcdTls {
  const f = (n: string) => path.join(d, n);
  const ssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  try {
    ssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      f("ca.key"),
      "-out",
      f("ca.pem"),
      "-days",
      "2",
      "-subj",
      "/CN=plancton-test-ca",
    );
    writeFileSyncText(
      f("san.ext"),
      "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n",
    );
    for (const [name, cn] of [
      ["server", "127.0.0.1"],
      ["client", "plancton"],
      ["host", "plancton-tls-cn"],
    ] as const) {
      ssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        f(`${name}.key`),
        "-out",
        f(`${name}.csr`),
        "-subj",
        `/CN=${cn}`,
      );
      ssl(
        "x509",
        "-req",
        "-in",
        f(`${name}.csr`),
        "-CA",
        f("ca.pem"),
        "-CAkey",
        f("ca.key"),
        "-CAcreateserial",
        "-out",
        f(`${name}.pem`),
        "-days",
        "2",
        "-extfile",
        f("san.ext"),
      );
    }
  } catch (e) {
    throw new Error(`openssl could not make the test certificates (install Debian's openssl): ${String(e)}`);
  }
  return {
    certFile: f("server.pem"),
    keyFile: f("server.key"),
    caFile: f("ca.pem"),
    clientCertFile: f("client.pem"),
    clientKeyFile: f("client.key"),
  };
}

function writeFileSyncText(file: string, text: string): void {
  execFileSync("sh", ["-c", 'cat > "$1"', "sh", file], { input: text });
}

before(async () => {
  requireEtcd();
  dir = await mkdtemp(path.join(os.tmpdir(), "plancton-fleettls-"));
  tls = makeCerts(dir);
  cluster = await EtcdCluster.start(1, tls);
  const ctl = (...args: string[]) =>
    run(
      "etcdctl",
      [
        "--endpoints",
        cluster!.endpoints()[0]!,
        "--cacert",
        tls.caFile,
        "--cert",
        tls.clientCertFile,
        "--key",
        tls.clientKeyFile,
        ...args,
      ],
      { timeout: 30_000 },
    );
  await ctl("user", "add", "root:rootpw");
  await ctl("user", "add", "plancton:s3cret");
  await ctl("role", "add", "fleet");
  await ctl("role", "grant-permission", "fleet", "--prefix=true", "readwrite", "/plancton/");
  await ctl("user", "grant-role", "plancton", "fleet");
  await ctl("auth", "enable");
  await writeFile(path.join(dir, "pw"), "s3cret\n");
  await writeFile(path.join(dir, "bad-pw"), "wrong\n");
});

after(async () => {
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const fleetYaml = (pwFile: string) =>
  `fleet:\n  etcd: [${cluster!.endpoints()[0]}]\n  name: tls-host\n  ttl: 3\n  username: plancton\n  password_file: ${pwFile}\n` +
  `  ca_file: ${tls.caFile}\n  cert_file: ${tls.clientCertFile}\n  key_file: ${tls.clientKeyFile}\n`;

function fakeHost(logs: string[]): FleetHost {
  return {
    report: () => ({
      version: "t",
      engine: "docker t",
      mode: "active",
      running: 2,
      paused: 0,
      max: 2,
      ncpus: 2,
      ownerCpu: 0.1,
      pilotCpu: 0.8,
      priority: "idle",
      config: "local",
      lastTickAtMs: null,
    }),
    apply: async () => undefined,
    lastApplied: async () => undefined,
    log: { info: (m) => void logs.push(m), warn: (m) => void logs.push(m) },
  };
}

test("TLS with a client certificate and a password: the agent registers, planctonctl lists it", async () => {
  const logs: string[] = [];
  const handle = (await startFleet(
    parseConfigText(fleetYaml(path.join(dir, "pw")), "c.yaml").config,
    fakeHost(logs),
    "ignored",
  )) as FleetHandle;
  try {
    await waitFor("registered over TLS", () => handle.state().connected, 30_000, 100);
    const configFile = path.join(dir, "config.yaml");
    await writeFile(configFile, fleetYaml(path.join(dir, "pw")));
    const r = await planctonctl(["--config", configFile, "fleet", "status", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const hosts = (JSON.parse(r.stdout) as { hosts: { name: string; state: string; running: number }[] })
      .hosts;
    assert.deepEqual(
      hosts.map((h) => [h.name, h.state, h.running]),
      [["tls-host", "up", 2]],
    );
  } finally {
    await handle.stop();
  }
  assert.ok(!logs.some((l) => /unreachable/.test(l)), logs.join("\n"));
});

test("a wrong password: the agent says so once and never registers; planctonctl fails in one line", async () => {
  const logs: string[] = [];
  const handle = (await startFleet(
    parseConfigText(fleetYaml(path.join(dir, "bad-pw")), "c.yaml").config,
    fakeHost(logs),
    "ignored",
  )) as FleetHandle;
  try {
    await waitFor(
      "the agent's message",
      () => logs.some((l) => /^fleet: etcd unreachable since .*(auth|password)/i.test(l)),
      30_000,
      100,
    );
    assert.equal(handle.state().connected, false);
  } finally {
    await handle.stop();
  }
  const configFile = path.join(dir, "bad.yaml");
  await writeFile(configFile, fleetYaml(path.join(dir, "bad-pw")));
  const r = await planctonctl(["--config", configFile, "fleet", "status"]);
  assert.equal(r.code, 1);
  // Node warns (DEP0123) when TLS names an IP address, as the test's 127.0.0.1 does; sites use host names.
  const stderr = r.stderr
    .split("\n")
    .filter((l) => !/DEP0123|--trace-deprecation/.test(l))
    .join("\n");
  assert.match(stderr, /^planctonctl: fleet: etcd at https:\/\/127\.0\.0\.1:\d+: .*(auth|password)/i);
  assert.equal(stderr.trim().split("\n").length, 1, r.stderr);
});

test("a client certificate whose CN is plancton-NAME is that host's user (fleet grant): its own keys only", async () => {
  const rootYaml =
    `fleet:\n  etcd: [${cluster!.endpoints()[0]}]\n  username: root\n  password_file: ${path.join(dir, "root-pw")}\n` +
    `  ca_file: ${tls.caFile}\n  cert_file: ${tls.clientCertFile}\n  key_file: ${tls.clientKeyFile}\n`;
  await writeFile(path.join(dir, "root-pw"), "rootpw\n");
  await writeFile(path.join(dir, "root.yaml"), rootYaml);
  const g = await planctonctl([
    "--config",
    path.join(dir, "root.yaml"),
    "fleet",
    "grant",
    "tls-cn",
    "--out",
    dir,
  ]);
  assert.equal(g.code, 0, g.stderr);
  // No username: etcd takes the certificate's CN (plancton-tls-cn) as the user.
  const hostYaml =
    `fleet:\n  etcd: [${cluster!.endpoints()[0]}]\n  name: tls-cn\n  ttl: 3\n  ca_file: ${tls.caFile}\n` +
    `  cert_file: ${path.join(dir, "host.pem")}\n  key_file: ${path.join(dir, "host.key")}\n`;
  const logs: string[] = [];
  const handle = (await startFleet(parseConfigText(hostYaml, "h.yaml").config, fakeHost(logs), "x"))!;
  try {
    await waitFor("registered by its certificate", () => handle.state().connected, 30_000, 100);
    const { connectEtcd } = await import("../../src/fleet/etcd-client.js");
    const c = await connectEtcd(parseConfigText(hostYaml, "h.yaml").config.fleet!, 10_000);
    try {
      await assert.rejects(c.put("/plancton/command/all").value("{}").exec(), /permission denied/i);
      await assert.rejects(c.put("/plancton/hosts/tls-host").value("{}").exec(), /permission denied/i);
      await c.put("/plancton/hosts/tls-cn").value("{}").exec();
    } finally {
      c.close();
    }
  } finally {
    await handle.stop();
  }
});
