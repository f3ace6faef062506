// ConfigStore: the configuration in force from the local file, on a reload (SIGHUP's
// path, so no file-watch timing): a valid edit is a change, a broken one is refused with
// the previous values kept, and fixing it without a change of values is "recovered".
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import type { ConfigError } from "../../src/config/errors.js";
import { ConfigStore, type EffectiveConfig } from "../../src/daemon/owners/config-store.js";

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function store(text: string) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "plancton-store-"));
  dirs.push(dir);
  const file = path.join(dir, "config.yaml");
  await writeFile(file, text);
  const s = new ConfigStore(file, pino({ level: "silent" }));
  const events: string[] = [];
  const changes: EffectiveConfig[] = [];
  const errors: ConfigError[] = [];
  s.on("change", (next) => void (changes.push(next), events.push("change")));
  s.on("invalid", (err) => void (errors.push(err), events.push("invalid")));
  s.on("recovered", () => void events.push("recovered"));
  return { s, file, events, changes, errors, first: await s.start() };
}

describe("ConfigStore", () => {
  it("says which values are the file's and which the defaults", async () => {
    const t = await store("max_docks: 3\n");
    assert.equal(t.first.config.max_docks, 3);
    assert.equal(t.first.sources.max_docks, "local");
    assert.equal(t.first.sources.main_sleep, "default");
    assert.equal(t.s.status(), undefined, "no remote source");
    await t.s.close();
  });

  it("a valid edit is a change; a broken one is refused and the last good values stay; a fix is recovered", async () => {
    const t = await store("max_docks: 3\n");
    await writeFile(t.file, "max_docks: 4\n");
    await t.s.reload();
    assert.deepEqual(t.events, ["change"]);
    assert.equal(t.changes[0]?.config.max_docks, 4);
    await writeFile(t.file, "max_docks: [\n");
    await t.s.reload();
    assert.deepEqual(t.events, ["change", "invalid"]);
    assert.match(t.errors[0]!.message, /config\.yaml/);
    assert.equal(t.s.latest.config.max_docks, 4, "the last good value stays in force");
    await writeFile(t.file, "max_docks: 4 # fixed\n");
    await t.s.reload();
    assert.deepEqual(t.events, ["change", "invalid", "recovered"]);
    await t.s.close();
  });

  it("a value out of the schema names the key and keeps the previous configuration", async () => {
    const t = await store("cpus_per_dock: 1\n");
    await writeFile(t.file, "cpus_per_dock: 0.001\n");
    await t.s.reload();
    assert.deepEqual(t.events, ["invalid"]);
    assert.match(t.errors[0]!.message, /cpus_per_dock/);
    assert.equal(t.s.latest.config.cpus_per_dock, 1);
    await t.s.close();
  });
});
