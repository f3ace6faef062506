// The daemon's log as an admin reads it outside a terminal (a pipe, as journald gets it,
// and current.log): readable lines by default, JSON lines with log_format: json.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { BIN, planctonctl } from "../helpers/cli.js";
import { spawnDaemon, waitForLine } from "../helpers/daemon-process.js";
import { removeInstance, requireDocker, uniquePrefix } from "../helpers/docker.js";
import { waitFor } from "../helpers/wait.js";

const instance = uniquePrefix("logfmt");
// A registry that refuses at once: the pull fails fast, without network.
const IMAGE = "127.0.0.1:9/plancton-no-such-image:x";
const CONFIG = (extra: string) =>
  `docker_image: "${IMAGE}"\ncontainer_prefix: ${instance}\nmax_docks: 0\nmain_sleep: 1\n${extra}`;
let dir: string;

before(async () => {
  await requireDocker();
  assert.ok(
    existsSync(path.resolve(path.dirname(BIN), "../dist/src/cli/planctonctl.js")),
    "run `npm run build` before this test",
  );
  dir = await mkdtemp(path.join(os.tmpdir(), "plancton-logfmt-"));
});

after(async () => {
  await removeInstance(instance);
  await rm(dir, { recursive: true, force: true });
});

/** The built daemon on a config of CONFIG(extra), in its own dirs under dir/name. */
async function daemonWith(name: string, extra: string) {
  const config = path.join(dir, `${name}.yaml`);
  await writeFile(config, CONFIG(extra));
  return spawnDaemon(path.join(dir, name), config);
}

// [2026-12-01T10:40:12.345+0100] WARN: message key=value ...
const TEXT_LINE =
  /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): \S/;

test("text by default: one readable line per record, in the pipe and in current.log; the pull error said once; status has the machine", async () => {
  const d = await daemonWith("text", "");
  try {
    const pull = await waitForLine(d, /pull of .* failed/, "the failed pull's warning");
    assert.match(pull, TEXT_LINE);
    assert.match(
      pull,
      /^\[[^\]]+\] WARN: pull of 127\.0\.0\.1:9\/plancton-no-such-image:x failed and no local copy: no new pilot until it succeeds: \S/,
    );
    assert.match(
      pull,
      / image=127\.0\.0\.1:9\/plancton-no-such-image:x$/,
      "the image as key=value, and nothing else after it",
    );
    assert.doesNotMatch(pull, /err=/, "the error is in the message: not repeated as an extra");
    // The status of this real daemon has the machine's facts (systeminformation).
    const status = await waitFor(
      "status with the machine line",
      async () => {
        const r = await planctonctl([...d.flags, "status"]);
        return r.code === 0 &&
          /^machine: +\S.* \(\d+ CPUs.*\), .* RAM, .*, kernel \S+ \S+, Docker data root \/\S+ on \w+ \(.+\)$/m.test(
            r.stdout,
          )
          ? r.stdout
          : undefined;
      },
      60_000,
      500,
    );
    assert.match(status, /^machine: /m);
    const started = await waitForLine(d, /plancton .* started/, "the start line");
    assert.match(
      started,
      /^\[[^\]]+\] INFO: plancton \S+ started \(instance [^)]+\) version=\S+ config=\S+ instance=\S+$/,
    );
  } finally {
    assert.equal(await d.stop(), 0, d.stderr());
  }
  const out = d.stderr().trimEnd().split("\n");
  assert.ok(out.length >= 3, d.stderr());
  for (const line of out) assert.match(line, TEXT_LINE, `every stderr line is a record: ${line}`);
  const file = (await readFile(path.join(d.logdir, "current.log"), "utf8")).trimEnd().split("\n");
  assert.deepEqual(file, out, "current.log has the same lines as stderr");
});

test("log_format: json keeps pino's JSON lines for log shippers", async () => {
  const d = await daemonWith("json", "log_format: json\n");
  try {
    const pull = JSON.parse(await waitForLine(d, /pull of .* failed/, "the failed pull's warning")) as Record<
      string,
      unknown
    >;
    assert.equal(pull.level, 40);
    assert.equal(typeof pull.time, "number");
    assert.equal(pull.image, IMAGE);
    assert.equal(pull.err, undefined);
  } finally {
    assert.equal(await d.stop(), 0, d.stderr());
  }
  const file = (await readFile(path.join(d.logdir, "current.log"), "utf8")).trimEnd().split("\n");
  for (const line of [...d.stderr().trimEnd().split("\n"), ...file])
    assert.doesNotThrow(() => JSON.parse(line), line);
});
