// Hot reload on a real filesystem: plain writes, editors' write-then-rename, delete and
// recreate, and a broken edit that keeps the last good config.
import assert from "node:assert/strict";
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { ConfigError } from "../../src/config/errors.js";
import { ConfigWatcher } from "../../src/config/watch.js";
import { waitFor } from "../helpers/wait.js";

let dir: string;
let file: string;
let watcher: ConfigWatcher;
const errors: ConfigError[] = [];

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "plancton-watch-"));
  file = path.join(dir, "config.yaml");
  await writeFile(file, "main_sleep: 10\nupdateconfig: 1h\n");
  watcher = new ConfigWatcher(file);
  watcher.on("invalid", (e) => errors.push(e));
  await watcher.start();
  assert.equal(watcher.current.config.main_sleep, 10);
});

after(async () => {
  await watcher.close();
  await rm(dir, { recursive: true, force: true });
});

// The periodic re-read is 1 h, so only the file watcher can make these pass.
const applied = (v: number) =>
  waitFor(`main_sleep ${v}`, () => watcher.current.config.main_sleep === v, 5000);

test("a plain write is applied", async () => {
  await writeFile(file, "main_sleep: 11\nupdateconfig: 1h\n");
  await applied(11);
});

test("an editor's write to a temp file and rename is applied", async () => {
  const tmp = path.join(dir, ".config.yaml.swp");
  await writeFile(tmp, "main_sleep: 12\nupdateconfig: 1h\n");
  await rename(tmp, file);
  await applied(12);
});

test("delete then recreate is applied", async () => {
  await rm(file);
  await writeFile(file, "main_sleep: 13\nupdateconfig: 1h\n");
  await applied(13);
});

test("a broken edit keeps the old config and reports the error once", async () => {
  const changes: number[] = [];
  const onChange = () => changes.push(watcher.current.config.main_sleep);
  watcher.on("change", onChange);
  await writeFile(file, "main_sleep: [oops\nupdateconfig: 1h\n");
  const err = await waitFor("an invalid event", () => errors.at(-1), 5000);
  assert.match(err.message, /config\.yaml:\d+:\d+: invalid YAML/);
  await watcher.reload(); // same broken text: no second report
  assert.equal(errors.length, 1);
  assert.equal(watcher.current.config.main_sleep, 13);
  await writeFile(file, "main_sleep: 14\nupdateconfig: 1h\n");
  await applied(14);
  watcher.off("change", onChange);
  assert.deepEqual(changes, [14]);
});

test("updateconfig re-reads the file without the watcher", async () => {
  let reads = 0;
  const periodic = new ConfigWatcher(file, {
    load: async (f) => {
      reads++;
      return (await import("../../src/config/load.js")).loadConfigFile(f);
    },
  });
  await writeFile(file, "main_sleep: 15\nupdateconfig: 1\n");
  await periodic.start();
  await waitFor("two periodic reads after the first", () => reads >= 3, 8000);
  await periodic.close();
});

test("a file moved away keeps the last good config (no switch to the defaults)", async () => {
  await writeFile(file, "main_sleep: 16\nupdateconfig: 1h\n");
  await applied(16);
  const before = errors.length;
  await rename(file, `${file}.bak`);
  const err = await waitFor(
    "a file-gone report",
    () => (errors.length > before ? errors.at(-1) : undefined),
    5000,
  );
  assert.match(err.message, /the file is gone/);
  assert.equal(watcher.current.config.main_sleep, 16);
  await rename(`${file}.bak`, file);
  await watcher.reload();
  assert.equal(watcher.current.config.main_sleep, 16);
});
