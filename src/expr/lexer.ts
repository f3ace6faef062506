// Turns an expression's source into tokens. Hand-written: the source is data typed by
// an admin or fetched from a network, so it is read, never run.

/** A malformed expression, found before anything is evaluated. */
export class ExprSyntaxError extends Error {
  /** 1-based column (in characters) of the offending spot in the source. */
  readonly column: number;

  constructor(message: string, column: number) {
    super(message);
    this.name = "ExprSyntaxError";
    this.column = column;
  }
}

export type TokenKind = "number" | "ident" | "op" | "eof";

export interface Token {
  readonly kind: TokenKind;
  /** Source text of the token ("" for eof). */
  readonly text: string;
  /** Numeric value of a number token, 0 otherwise. */
  readonly value: number;
  /** UTF-16 offsets into the source: [start, end). */
  readonly start: number;
  readonly end: number;
}

/** 1-based column of a UTF-16 offset, counted in code points so astral characters count once. */
export function columnAt(source: string, offset: number): number {
  let column = 1;
  for (let i = 0; i < offset && i < source.length; i++) {
    const c = source.charCodeAt(i);
    // The second half of a surrogate pair does not start a new column.
    if (!(c >= 0xdc00 && c <= 0xdfff && i > 0 && isHighSurrogate(source.charCodeAt(i - 1)))) column++;
  }
  if (offset > source.length) column += offset - source.length;
  return column;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/** Builds "<what> at column N<tail>", the shape of every syntax error message. */
export function syntaxError(source: string, offset: number, what: string, tail = ""): ExprSyntaxError {
  const column = columnAt(source, offset);
  return new ExprSyntaxError(`${what} at column ${column}${tail}`, column);
}

/** Quotes a piece of source for a message; JSON escaping keeps control characters visible. */
export function quote(text: string): string {
  return JSON.stringify(text);
}

const TWO_CHAR_OPS: ReadonlySet<string> = new Set(["<=", ">=", "==", "!=", "&&", "||"]);
const ONE_CHAR_OPS: ReadonlySet<string> = new Set(["(", ")", ",", "+", "-", "*", "/", "%", "<", ">", "!"]);
/** Lone characters that are probably a typo for a two-character operator. */
const TYPO_HINTS: Readonly<Record<string, string>> = { "=": "==", "&": "&&", "|": "||" };

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** Tokenizes the whole source; the last token is always eof (at offset source.length). */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const n = source.length;
  let i = 0;
  while (i < n) {
    const c = source.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    if (isDigit(c) || (c === 46 && isDigit(source.charCodeAt(i + 1)))) {
      i = scanNumber(source, i);
      const text = source.slice(start, i);
      const value = Number(text);
      if (!Number.isFinite(value)) throw syntaxError(source, start, `number ${quote(text)} is too large`);
      tokens.push({ kind: "number", text, value, start, end: i });
      continue;
    }
    if (isIdentStart(c)) {
      while (i < n && isIdentPart(source.charCodeAt(i))) i++;
      tokens.push({ kind: "ident", text: source.slice(start, i), value: 0, start, end: i });
      continue;
    }
    const two = source.slice(i, i + 2);
    if (TWO_CHAR_OPS.has(two)) {
      i += 2;
      tokens.push({ kind: "op", text: two, value: 0, start, end: i });
      continue;
    }
    const one = source[i] ?? "";
    if (ONE_CHAR_OPS.has(one)) {
      i += 1;
      tokens.push({ kind: "op", text: one, value: 0, start, end: i });
      continue;
    }
    const hint = TYPO_HINTS[one];
    if (hint !== undefined)
      throw syntaxError(source, start, `unexpected ${quote(one)}`, `; did you mean ${quote(hint)}?`);
    const codePoint = String.fromCodePoint(source.codePointAt(i) ?? c);
    throw syntaxError(source, start, `unexpected character ${quote(codePoint)}`);
  }
  tokens.push({ kind: "eof", text: "", value: 0, start: n, end: n });
  return tokens;
}

/** Scans `12`, `0.5`, `.5`, `1.`, `1e9`, `2.5E-3`; returns the offset just past the number. */
function scanNumber(source: string, from: number): number {
  let i = from;
  while (isDigit(source.charCodeAt(i))) i++;
  if (source.charCodeAt(i) === 46) {
    i++;
    while (isDigit(source.charCodeAt(i))) i++;
  }
  const e = source.charCodeAt(i);
  if (e === 101 || e === 69) {
    let j = i + 1;
    const sign = source.charCodeAt(j);
    if (sign === 43 || sign === 45) j++;
    if (!isDigit(source.charCodeAt(j))) {
      throw syntaxError(
        source,
        from,
        `invalid number ${quote(source.slice(from, j))}`,
        `; expected digits after the exponent "${source[i]}"`,
      );
    }
    while (isDigit(source.charCodeAt(j))) j++;
    i = j;
  }
  return i;
}
