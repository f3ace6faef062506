// The pidfile and the instance lock with real processes: 30 contenders claim one stale
// pidfile at the same moment (a barrier on their stdin), exactly one may win and the
// others are told its PID; `stop` never signals a stranger the pidfile names; a second
// daemon of one instance (same rundir) refuses to start and names the first; an
// unprivileged user squatting the old abstract lock names does not keep it from starting.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { procIdentity } from "../../src/daemon/process/pidfile.js";
import { DaemonProcess, type DaemonDirs } from "../faults/built-daemon.js";
import { planctonctl } from "../helpers/cli.js";
import { removeInstance, requireDocker, TEST_IMAGE, uniquePrefix } from "../helpers/docker.js";
import { waitFor } from "../helpers/wait.js";

const RACER = path.resolve(import.meta.dirname, "../helpers/pidfile-racer.mjs");
const CONTENDERS = 30;

let dir: string;
before(async () => (dir = await mkdtemp(path.join(os.tmpdir(), "plancton-pidrace-"))));
after(() => rm(dir, { recursive: true, force: true }));

interface Outcome {
  pid: number;
  won: boolean;
  holder?: number | null;
  error?: string;
}

function racer(pidfile: string): { child: ChildProcess; lines: string[] } {
  const child = spawn(process.execPath, [RACER, pidfile], { stdio: ["pipe", "pipe", "inherit"] });
  const lines: string[] = [];
  let rest = "";
  child.stdout!.on("data", (b: Buffer) => {
    rest += b.toString("utf8");
    const parts = rest.split("\n");
    rest = parts.pop() ?? "";
    lines.push(...parts);
  });
  return { child, lines };
}

test(
  `${CONTENDERS} processes claiming one stale pidfile at once: exactly one wins, the others name it`,
  { timeout: 180_000 },
  async () => {
    const pidfile = path.join(dir, "plancton.pid");
    for (let round = 0; round < 3; round++) {
      await writeFile(pidfile, "999999\n"); // stale: no such process
      const racers = Array.from({ length: CONTENDERS }, () => racer(pidfile));
      try {
        await waitFor(
          "every contender ready",
          () => racers.every((r) => r.lines.includes("ready")),
          120_000,
          50,
        );
        for (const r of racers) r.child.stdin!.write("go\n");
        const outcomes = await waitFor(
          "every contender's outcome",
          () => {
            const o = racers.map((r) => r.lines.find((l) => l.startsWith("{")));
            return o.every((x) => x !== undefined) ? o.map((x) => JSON.parse(x!) as Outcome) : undefined;
          },
          60_000,
          50,
        );
        const winners = outcomes.filter((o) => o.won);
        assert.equal(
          winners.length,
          1,
          `round ${round}: exactly one winner, got ${winners.length}: ${JSON.stringify(outcomes.filter((o) => o.won || o.error))}`,
        );
        const winner = winners[0]!.pid;
        for (const o of outcomes.filter((x) => !x.won))
          assert.equal(o.holder, winner, `a loser is told the winner's PID: ${JSON.stringify(o)}`);
        assert.equal(
          (await readFile(pidfile, "utf8")).split("\n")[0],
          String(winner),
          "the pidfile names the winner",
        );
      } finally {
        for (const r of racers) r.child.stdin!.end();
        await Promise.all(
          racers.map((r) =>
            r.child.exitCode !== null ? undefined : new Promise((res) => r.child.once("exit", res)),
          ),
        );
      }
    }
  },
);

test(
  "stop never signals a stranger the pidfile names, whatever its command line says",
  { timeout: 60_000 },
  async () => {
    const rundir = path.join(dir, "run-stranger");
    const pidfile = path.join(rundir, "plancton.pid");
    // The defaults (a named --config must exist): the default path is absent in this confdir.
    const flags = [
      "--confdir",
      path.join(dir, "conf-none"),
      "--rundir",
      rundir,
      "--logdir",
      path.join(dir, "log-stranger"),
      "--pidfile",
      pidfile,
    ];
    const sleeper = spawn("sleep", ["600"], { argv0: "plancton-ish", stdio: "ignore" });
    let signal: NodeJS.Signals | null = null;
    sleeper.once("exit", (_c, s) => (signal = s));
    try {
      await waitFor(
        "the stranger's /proc entry",
        () => procIdentity(sleeper.pid!)?.argv[0] === "plancton-ish",
        10_000,
      );
      const id = procIdentity(sleeper.pid!)!;
      for (const text of [
        `${sleeper.pid}\n`,
        `${sleeper.pid}\n${JSON.stringify({ startTime: String(Number(id.startTime) - 1), argv: id.argv })}\n`,
      ]) {
        await rm(rundir, { recursive: true, force: true });
        await planctonctl([...flags, "drain"]); // makes the rundir as the CLI does
        await writeFile(pidfile, text);
        const r = await planctonctl([...flags, "stop"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /not running \(removed the stale pidfile naming PID \d+\)/);
        // Had stop signalled it, stop would have waited for it to vanish: its exit is already seen.
        await new Promise((res) => setImmediate(res));
        assert.equal(signal, null, `the stranger was signalled (pidfile ${JSON.stringify(text)})`);
        assert.equal(sleeper.exitCode, null, "the stranger still runs");
      }
    } finally {
      sleeper.kill("SIGKILL");
    }
  },
);

test(
  "a second daemon of the same instance and rundir, another pidfile, refuses to start and names the first",
  { timeout: 120_000 },
  async () => {
    await requireDocker();
    const instance = uniquePrefix("pid-inst");
    const configFile = path.join(dir, "inst.yaml");
    await writeFile(
      configFile,
      `docker_image: ${TEST_IMAGE}\ncontainer_prefix: ${instance}\ndocker_cmd: sleep 600\nmax_docks: 1\ncpus_per_dock: 0.05\nmain_sleep: 1\nmax_dock_mem: 32MiB\npilot_cpu_priority: normal\n`,
    );
    // The instance's lock is in the run dir (0700: no other user can take it).
    const dirsOf = (n: string): DaemonDirs => ({
      configFile,
      rundir: path.join(dir, "run-shared"),
      logdir: path.join(dir, `log-${n}`),
      pidfile: path.join(dir, `run-shared`, `plancton-${n}.pid`),
    });
    let first: DaemonProcess | undefined;
    let second: DaemonProcess | undefined;
    try {
      first = await DaemonProcess.start(dirsOf("a"), 60_000);
      second = DaemonProcess.spawn(dirsOf("b"));
      const exit = await Promise.race([
        second.exited,
        new Promise<undefined>((r) => setTimeout(r, 60_000, undefined)),
      ]);
      assert.ok(exit, `the second daemon still runs after 60 s:\n${second.tail()}`);
      assert.equal(exit.code, 1, `the second daemon exits 1: ${JSON.stringify(exit)}\n${second.tail()}`);
      const said = second.tail();
      assert.match(
        said,
        new RegExp(
          `instance "${instance}" already has a daemon on this host: PID ${first.pid}, rundir ${dirsOf("a").rundir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`,
        ),
      );
      assert.ok(first.alive, "the first one runs on");
      assert.equal((await readFile(dirsOf("a").pidfile, "utf8")).split("\n")[0], String(first.pid));
      await assert.rejects(readFile(dirsOf("b").pidfile, "utf8"), "the second left no pidfile");
    } finally {
      await second?.stop();
      await first?.stop();
      await removeInstance(instance);
    }
  },
);

test(
  "nobody squatting the old abstract lock names (instance, pidfile) does not keep the daemon from starting",
  { timeout: 120_000 },
  async () => {
    await requireDocker();
    const instance = uniquePrefix("pid-squat");
    const configFile = path.join(dir, "squat.yaml");
    await writeFile(
      configFile,
      `docker_image: ${TEST_IMAGE}\ncontainer_prefix: ${instance}\nmax_docks: 0\nmain_sleep: 1\n`,
    );
    const dirs: DaemonDirs = {
      configFile,
      rundir: path.join(dir, "run-squat"),
      logdir: path.join(dir, "log-squat"),
      pidfile: path.join(dir, "run-squat", "plancton.pid"),
    };
    await mkdir(dirs.rundir, { recursive: true, mode: 0o700 });
    // The names the landed code bound (host-lock.ts: `\0plancton-<what>-<key>`).
    const names = [`plancton-instance-${instance}`, `plancton-pidfile-${dirs.pidfile}`];
    const squatter = spawn(
      "setpriv",
      [
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        process.execPath,
        "-e",
        `const net = require("node:net");
         let n = 0;
         for (const name of JSON.parse(process.argv[1]))
           net.createServer((s) => s.end('{"pid":1}\\n')).listen({ path: "\\0" + name }, () => {
             if (++n === 2) console.log("squatting as uid " + process.getuid());
           });
         setTimeout(() => process.exit(0), 110000);`,
        JSON.stringify(names),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let said = "";
    squatter.stdout!.setEncoding("utf8").on("data", (d: string) => (said += d));
    let daemon: DaemonProcess | undefined;
    try {
      await waitFor("the squatter bound both names", () => said.includes("squatting as uid 65534"), 20_000);
      daemon = await DaemonProcess.start(dirs, 60_000);
      assert.ok(daemon.alive, "the daemon runs");
      assert.equal((await readFile(dirs.pidfile, "utf8")).split("\n")[0], String(daemon.pid));
      // And the new lock is out of the unprivileged user's reach: the run dir is 0700.
      const r = spawnSync("setpriv", [
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        process.execPath,
        "-e",
        `require("node:fs").openSync(process.argv[1], "r")`,
        path.join(dirs.rundir, `instance-${instance}.lock`),
      ]);
      assert.match(r.stderr.toString(), /EACCES/, "nobody cannot even open the instance's lock");
    } finally {
      squatter.kill("SIGKILL");
      await daemon?.stop();
      await removeInstance(instance);
    }
  },
);
