import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { columnAt, tokenize } from "../../src/expr/lexer.js";

describe("tokenize", () => {
  it("splits operators, numbers and names with their offsets", () => {
    const tokens = tokenize("min(a,1.5e3)<=b && !c || d != .5");
    assert.deepEqual(
      tokens.map((t) => [t.kind, t.text, t.start, t.end]),
      [
        ["ident", "min", 0, 3],
        ["op", "(", 3, 4],
        ["ident", "a", 4, 5],
        ["op", ",", 5, 6],
        ["number", "1.5e3", 6, 11],
        ["op", ")", 11, 12],
        ["op", "<=", 12, 14],
        ["ident", "b", 14, 15],
        ["op", "&&", 16, 18],
        ["op", "!", 19, 20],
        ["ident", "c", 20, 21],
        ["op", "||", 22, 24],
        ["ident", "d", 25, 26],
        ["op", "!=", 27, 29],
        ["number", ".5", 30, 32],
        ["eof", "", 32, 32],
      ],
    );
    assert.equal(tokens[4]?.value, 1500);
  });

  it("treats tabs and newlines as spaces", () => {
    assert.deepEqual(
      tokenize("a\t+\n\rb").map((t) => t.text),
      ["a", "+", "b", ""],
    );
  });

  it("keeps a glued suffix as its own token", () => {
    assert.deepEqual(
      tokenize("2GiB").map((t) => [t.kind, t.text]),
      [
        ["number", "2"],
        ["ident", "GiB"],
        ["eof", ""],
      ],
    );
  });
});

describe("columnAt", () => {
  const cases: ReadonlyArray<readonly [string, number, number]> = [
    ["abc", 0, 1],
    ["abc", 2, 3],
    ["abc", 3, 4],
    ["\u{1F600}x", 2, 2], // a surrogate pair is one column
    ["\u{1F600}\u{1F600}x", 4, 3],
    ["é+x", 2, 3],
  ];
  for (const [source, offset, column] of cases) {
    it(`${JSON.stringify(source)} offset ${offset} is column ${column}`, () =>
      assert.equal(columnAt(source, offset), column));
  }
});
