// `npm run test:faults`: starts the fault suite's private dockerd (dockerd.ts), loads the
// test image into it, runs the suite against it (DOCKER_HOST points at its socket, for
// the tests and for every daemon they start), then stops it and removes its directory,
// whatever the outcome, also on SIGINT/SIGTERM. The host's shared dockerd is only read
// (the test image is copied from it). Exit code: the suite's. Run `npm run build` first.
import { spawn } from "node:child_process";
import { mkdtemp, readdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { TEST_IMAGE } from "../helpers/docker.js";
import {
  describeDockerd,
  DESCRIPTION_ENV,
  destroyDockerd,
  loadImage,
  saveDescription,
  startDockerd,
} from "./dockerd.js";

const say = (s: string) => process.stderr.write(`test:faults: ${s}\n`);

const t0 = Date.now();
// A short path: the sockets under it must fit in sun_path (108 bytes).
const d = describeDockerd(await mkdtemp(path.join(os.tmpdir(), "pfd-")));
let cleaning: Promise<void> | undefined;
const cleanup = () =>
  (cleaning ??= destroyDockerd(d).catch(
    (err: Error) => void say(`could not remove the private dockerd in ${d.dir}: ${err.message}`),
  ));
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(sig, () => void cleanup().then(() => process.exit(130)));
}

let code = 1;
try {
  await startDockerd(d);
  say(
    `private dockerd on unix://${d.socket} (log ${d.log}), up in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  await loadImage(d, TEST_IMAGE);
  const here = path.dirname(new URL(import.meta.url).pathname);
  // `npm run test:faults -- frozen-restart.test.ts`: only the files named; else every one.
  const named = process.argv.slice(2).filter((a) => a.endsWith(".test.ts"));
  const files = (await readdir(here))
    .filter((f) => f.endsWith(".test.ts") && (named.length === 0 || named.includes(f)))
    .map((f) => path.join(here, f));
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--test",
      "--test-force-exit", // a handle a test leaks (a logger on a full disk) never holds the suite
      "--test-concurrency=1",
      ...process.argv.slice(2).filter((a) => !named.includes(a)),
      ...files,
    ],
    {
      stdio: "inherit",
      env: { ...process.env, DOCKER_HOST: `unix://${d.socket}`, [DESCRIPTION_ENV]: saveDescription(d) },
    },
  );
  code = await new Promise<number>((resolve) => child.once("exit", (c, s) => resolve(c ?? (s ? 128 : 1))));
} catch (err) {
  say(`${(err as Error).message}`);
} finally {
  await cleanup();
  say(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s, exit ${code}`);
}
process.exit(code);
