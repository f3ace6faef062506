import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { pilotHostname, pilotName } from "../../src/runtime/pilot-name.js";

describe("pilotName", () => {
  it("is the prefix, a dash and 6 characters of [a-z0-9]", () => {
    for (let i = 0; i < 200; i++) assert.match(pilotName("plancton-worker"), /^plancton-worker-[a-z0-9]{6}$/);
  });
  it("draws each character from the random source over the whole alphabet", () => {
    assert.equal(pilotName("p", () => 0), "p-aaaaaa");
    assert.equal(pilotName("p", (n) => n - 1), "p-999999");
    const draws: number[] = [];
    pilotName("p", (n) => (draws.push(n), 0));
    assert.deepEqual(draws, [36, 36, 36, 36, 36, 36]);
  });
  it("does not repeat in practice", () => {
    const names = new Set(Array.from({ length: 2000 }, () => pilotName("x")));
    assert.equal(names.size, 2000);
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
