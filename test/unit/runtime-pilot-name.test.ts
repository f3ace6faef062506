import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { PILOT_SUFFIX_LENGTH, pilotHostname, pilotName } from "../../src/runtime/pilot-name.js";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** A random source that draws the base-36 digits of k, most significant first. */
function drawing(k: number): (n: number) => number {
  const digits = k
    .toString(36)
    .padStart(PILOT_SUFFIX_LENGTH, "0")
    .split("")
    .map((d) => parseInt(d, 36));
  let i = 0;
  return (n) => {
    assert.equal(n, ALPHABET.length);
    return digits[i++] as number;
  };
}

describe("pilotName", () => {
  it("is the prefix, a dash and 6 characters of [a-z0-9], with the crypto source too", () => {
    assert.match(pilotName("plancton-worker"), /^plancton-worker-[a-z0-9]{6}$/);
    for (const k of [0, 1, 35, 36, 123_456_789, 36 ** 6 - 1])
      assert.match(pilotName("plancton-worker", drawing(k)), /^plancton-worker-[a-z0-9]{6}$/);
  });
  it("draws each character from the random source over the whole alphabet", () => {
    assert.equal(
      pilotName("p", () => 0),
      "p-aaaaaa",
    );
    assert.equal(
      pilotName("p", (n) => n - 1),
      "p-999999",
    );
    const draws: number[] = [];
    pilotName("p", (n) => (draws.push(n), 0));
    assert.deepEqual(draws, [36, 36, 36, 36, 36, 36]);
  });
  it("maps every draw to its own name: the collision space is exactly 36^6", () => {
    // The suffix is the draws written in ALPHABET: a bijection from 0 .. 36^6 - 1.
    const suffixOf = (k: number) => pilotName("x", drawing(k)).slice(2);
    assert.equal(suffixOf(0), "aaaaaa");
    assert.equal(suffixOf(1), "aaaaab");
    assert.equal(suffixOf(36), "aaaaba");
    assert.equal(suffixOf(36 ** 6 - 1), "999999");
    const decode = (suffix: string) => [...suffix].reduce((k, c) => k * 36 + ALPHABET.indexOf(c), 0);
    const ks = [
      ...Array.from({ length: 1000 }, (_, i) => i),
      ...Array.from({ length: 1000 }, (_, i) => 36 ** 6 - 1 - i * 2_176_781),
    ];
    for (const k of ks) assert.equal(decode(suffixOf(k)), k);
    assert.equal(new Set(ks.map(suffixOf)).size, new Set(ks).size);
    assert.equal(ALPHABET.length ** PILOT_SUFFIX_LENGTH, 2_176_782_336);
  });
  it("refuses a prefix Docker would refuse as a name", () => {
    assert.throws(() => pilotName("bad prefix"), /invalid container name prefix "bad prefix"/);
    assert.throws(() => pilotName("-x"), /invalid container name prefix/);
    assert.throws(() => pilotName(""), /invalid container name prefix/);
  });
});

describe("pilotHostname", () => {
  it("is plancton-<host>-<suffix of the name>", () => {
    assert.equal(pilotHostname("node12", "plancton-worker-ab12cd"), "plancton-node12-ab12cd");
  });
  it("uses the short, lower-case host name with invalid characters made dashes", () => {
    assert.equal(pilotHostname("Node_12.cern.ch", "plancton-worker-ab12cd"), "plancton-node-12-ab12cd");
  });
  it("stays within 63 characters and keeps the suffix", () => {
    const h = pilotHostname("a".repeat(100), "plancton-worker-ab12cd");
    assert.ok(h.length <= 63, h);
    assert.match(h, /^plancton-a+-ab12cd$/);
  });
});
