// The key-line index locates key paths in one scan of the text, and validation and
// layering stay linear in the number of keys.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../../src/config/errors.js";
import { findKeyPosition, indexKeyLines, keyLineStats } from "../../src/config/key-lines.js";
import { layerConfig } from "../../src/config/remote/layers.js";
import { parseConfigText, parseYamlObject } from "../../src/config/parse.js";

const TEXT = [
  "# comment",
  "main_sleep: 30",
  "binds:",
  "  - /a:/a",
  "  - /b:/b",
  "devices:",
  "- PathOnHost: /dev/fuse",
  "  CgroupPermissions: rwm",
  '- "/dev/x"',
  "docker_cmd: |",
  "  not_a_key: 1",
  "influxdb:",
  "  - url: http://x",
  "    'bucket': b",
  "config_git:",
  "  pull_every: 5m",
  "",
].join("\n");

test("positions of top-level keys, list items, keys in list items and nested maps", () => {
  const idx = indexKeyLines(TEXT);
  assert.deepEqual(idx.find(["main_sleep"]), { line: 2, column: 1 });
  assert.deepEqual(idx.find(["binds", 1]), { line: 5, column: 3 });
  assert.deepEqual(idx.find(["devices", 0, "CgroupPermissions"]), { line: 8, column: 3 });
  assert.deepEqual(idx.find(["devices", 0, "PathOnHost"]), { line: 7, column: 3 });
  assert.deepEqual(idx.find(["devices", 1]), { line: 9, column: 1 });
  assert.deepEqual(idx.find(["influxdb", 0, "bucket"]), { line: 14, column: 5 });
  assert.deepEqual(idx.find(["config_git", "pull_every"]), { line: 16, column: 3 });
  assert.equal(idx.find(["not_a_key"]), undefined, "inside a block scalar");
  assert.deepEqual(idx.find(["binds", 7]), { line: 3, column: 1 }, "the longest prefix written");
  assert.equal(idx.find(["nowhere"]), undefined);
  assert.deepEqual(findKeyPosition(TEXT, ["binds", 0]), { line: 4, column: 3 });
});

function unknownKeys(n: number): string {
  return Array.from({ length: n }, (_, i) => `unknown_key_${i}: ${i}`).join("\n") + "\n";
}

// Counted, not timed: the lines the key index scans for all the problems and warnings.
test("validation and layering scan each text once, whatever the number of keys and problems (10k vs 100k keys)", () => {
  const scanned = (text: string, remote: boolean) => {
    const before = keyLineStats.linesScanned;
    if (remote) {
      const raw = parseYamlObject(text, "r.yaml");
      const layered = layerConfig(
        {
          remote: raw,
          local: { main_sleep: 5 },
          remoteText: text,
          remoteName: "r.yaml",
          localText: "main_sleep: 5\n",
        },
        "c.yaml",
      );
      assert.equal(layered.warnings.length, 21);
      assert.match(layered.warnings[3]?.message ?? "", /\(from r\.yaml:4\)$/, "located in the remote's text");
      const bad = { ...raw, main_sleep: "x", max_ttl: "y" };
      assert.throws(
        () =>
          layerConfig(
            {
              remote: bad,
              local: {},
              remoteText: `${text}main_sleep: x\nmax_ttl: y\n`,
              remoteName: "r.yaml",
            },
            "c.yaml",
          ),
        (err: unknown) => err instanceof ConfigError && err.file === "r.yaml" && err.problems.length === 2,
      );
    } else {
      const parsed = parseConfigText(text, "c.yaml");
      assert.equal(parsed.warnings.length, 21, "20 warnings and one '... and N more'");
      assert.match(parsed.warnings.at(-1)?.message ?? "", /^\.\.\. and \d+ more unknown keys$/);
    }
    return keyLineStats.linesScanned - before;
  };
  for (const remote of [false, true]) {
    const small = scanned(unknownKeys(10_000), remote);
    const large = scanned(unknownKeys(100_000), remote);
    assert.ok(small >= 10_000, `${small} lines scanned for 10k keys`);
    // Linear: 10x the keys, 10x the lines (a per-problem rescan was 100x).
    assert.ok(large <= small * 11, `${large} lines scanned for 100k keys against ${small} for 10k`);
  }
});
