// One contender in a pidfile race (test/integration/daemon-pidfile-race.test.ts): a real
// process that loads the BUILT pidfile module, says "ready", waits for "go" on stdin (so
// all contenders claim at the same moment), claims the pidfile, prints the outcome as one
// JSON line, and, when it won, holds the pidfile until its stdin closes.
import path from "node:path";
import { pathToFileURL } from "node:url";

const pidfile = process.argv[2];
const mod = await import(
  pathToFileURL(path.resolve(import.meta.dirname, "../../dist/src/daemon/process/pidfile.js")).href
);
process.stdout.write("ready\n");
let buffered = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buffered += chunk;
  if (!buffered.includes("go\n")) return;
  buffered = "";
  void Promise.resolve(mod.claimPidfile(pidfile)).then(
    (holder) => {
      process.stdout.write(
        `${JSON.stringify({ pid: process.pid, won: holder === undefined, holder: holder ?? null })}\n`,
      );
      if (holder !== undefined) process.exit(0);
    },
    (err) => {
      process.stdout.write(
        `${JSON.stringify({ pid: process.pid, won: false, error: String(err?.message ?? err) })}\n`,
      );
      process.exit(0);
    },
  );
});
process.stdin.on("end", () => process.exit(0));
