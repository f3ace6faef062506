import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { nearest } from "../../src/expr/index.js";
import { abbreviationRuns, editDistance } from "../../src/expr/suggest.js";

const KEYS = [
  "security_opts",
  "capabilities",
  "max_docks",
  "docker_image",
  "main_sleep",
  "grace_kill",
  "grace_spawn",
];

describe("nearest", () => {
  const cases: ReadonlyArray<readonly [string, readonly string[], string | undefined]> = [
    ["secopt", KEYS, "security_opts"], // abbreviation
    ["xyzzy", KEYS, undefined],
    ["max_dock", KEYS, "max_docks"], // deletion
    ["maxdocks", KEYS, "max_docks"],
    ["max_docsk", KEYS, "max_docks"], // transposition counts once
    ["main_slepe", KEYS, "main_sleep"],
    ["capabilites", KEYS, "capabilities"],
    ["capabilitys", KEYS, "capabilities"],
    ["dockerimage", KEYS, "docker_image"],
    ["docker_imag", KEYS, "docker_image"],
    ["grace_kil", KEYS, "grace_kill"],
    ["grace_spwn", KEYS, "grace_spawn"],
    ["security_opt", KEYS, "security_opts"],
    ["MAX_DOCKS", KEYS, "max_docks"], // case-insensitive
    ["Docker_Image", KEYS, "docker_image"],
    ["caps", KEYS, "capabilities"],
    ["opts", KEYS, undefined], // must start like the candidate
    ["x", KEYS, undefined],
    ["", KEYS, undefined],
    ["max_docks", [], undefined],
    ["cpu_ownr", ["ncpus", "cpu_owner", "cpu_owner_5m"], "cpu_owner"],
    ["ncpu", ["ncpus", "load1"], "ncpus"],
    ["x", ["ab"], undefined], // replacing every letter is not a typo
    ["ab", ["xy"], undefined],
    ["lod1", ["load1", "load5"], "load1"],
    ["zz", ["ncpus"], undefined],
    ["imagedocker", KEYS, undefined],
    ["zzzcpus", ["ncpus"], undefined], // distance 3 > max(2, 7 / 3)
    ["zzcpus", ["ncpus"], "ncpus"], // distance 2
    ["mqx_dqcqs", KEYS, "max_docks"], // distance 3 <= 9 / 3
    ["mqx_dqcqz", KEYS, undefined], // distance 4 > 9 / 3
  ];
  for (const [word, candidates, expected] of cases) {
    it(`${JSON.stringify(word)} -> ${String(expected)}`, () =>
      assert.equal(nearest(word, candidates), expected));
  }

  it("returns the candidate as spelled in the list", () => {
    assert.equal(nearest("ncpus", ["NCPUS"]), "NCPUS");
  });

  it("prefers the smaller distance", () => {
    assert.equal(nearest("grace_spaw", KEYS), "grace_spawn");
    assert.equal(nearest("abcd", ["abxy", "abcx"]), "abcx");
  });
});

describe("editDistance (optimal string alignment)", () => {
  const cases: ReadonlyArray<readonly [string, string, number]> = [
    ["", "", 0],
    ["", "abc", 3],
    ["abc", "", 3],
    ["abc", "abc", 0],
    ["abc", "abd", 1],
    ["abc", "acb", 1],
    ["abc", "ab", 1],
    ["ab", "abc", 1],
    ["kitten", "sitting", 3],
    ["ca", "abc", 3], // OSA, not full Damerau-Levenshtein (which gives 2)
    ["secopt", "security_opts", 7],
  ];
  for (const [a, b, expected] of cases) {
    it(`${JSON.stringify(a)} vs ${JSON.stringify(b)} = ${expected}`, () => {
      assert.equal(editDistance(a, b), expected);
      assert.equal(editDistance(b, a), expected);
    });
  }
});

describe("abbreviationRuns", () => {
  const cases: ReadonlyArray<readonly [string, string, number]> = [
    ["secopt", "security_opts", 2],
    ["sec", "security_opts", 1],
    ["caps", "capabilities", 2],
    ["mdocks", "max_docks", 2],
    ["opts", "security_opts", Infinity],
    ["xyz", "max_docks", Infinity],
    ["", "abc", Infinity],
    ["aaa", "aaa", 1],
    ["aa", "aba", 2],
  ];
  for (const [word, candidate, expected] of cases) {
    it(`${word} in ${candidate} = ${expected}`, () =>
      assert.equal(abbreviationRuns(word, candidate), expected));
  }
});
