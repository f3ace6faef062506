// Recursive-descent parser from tokens to an AST, checking names, arities and limits,
// so that a compiled expression can only fail at run time on values.
//
// Precedence, low to high:
//   or ||  <  and &&  <  not ! (prefix)  <  < <= > >= == != (non-associative)
//   <  + -  <  * / %  <  unary - +  <  number, variable, call, ( ... )
import {
  hasOwn,
  sizeSuffixTail,
  suffixHint,
  unknownFunctionTail,
  unknownVariableTail,
} from "./name-hints.js";
import {
  DURATION_SUFFIXES,
  FUNCTIONS,
  SIZE_SUFFIXES,
  type BinaryOp,
  type ExprNode,
  type FunctionName,
} from "./ast.js";
import { quote, syntaxError, tokenize, type Token } from "./lexer.js";

const MAX_SOURCE_LENGTH = 1000;
/** Most nested groups: parentheses, function calls and prefix operators each open one. */
const MAX_DEPTH = 64;

const KEYWORDS: ReadonlySet<string> = new Set(["and", "or", "not", "true", "false"]);
const COMPARISONS: ReadonlySet<string> = new Set(["<", "<=", ">", ">=", "==", "!="]);

/** Parses and checks an expression; throws ExprSyntaxError. */
export function parseExpr(source: string, allowedVariables: readonly string[]): ExprNode {
  if (typeof source !== "string")
    throw syntaxError("", 0, `expression must be a string, not ${typeof source}`);
  if (source.length > MAX_SOURCE_LENGTH) {
    throw syntaxError(
      source,
      MAX_SOURCE_LENGTH,
      `expression too long (${source.length} characters, at most ${MAX_SOURCE_LENGTH})`,
    );
  }
  const tokens = tokenize(source);
  return new Parser(source, tokens, allowedVariables).parseAll();
}

class Parser {
  private pos = 0;
  private depth = 0;
  private readonly allowed: ReadonlySet<string>;

  constructor(
    private readonly source: string,
    private readonly tokens: readonly Token[],
    private readonly allowedList: readonly string[],
  ) {
    this.allowed = new Set(allowedList);
  }

  parseAll(): ExprNode {
    const first = this.peek();
    if (first.kind === "eof") throw syntaxError(this.source, 0, "empty expression");
    const node = this.parseOr();
    const rest = this.peek();
    if (rest.kind !== "eof") {
      if (rest.kind === "op" && rest.text === ")") throw this.fail(rest, `unmatched ")"`);
      throw this.fail(
        rest,
        "expected an operator or end of expression",
        `, found ${this.describe(rest)}${suffixHint(rest)}`,
      );
    }
    return node;
  }

  // ---- token helpers ----

  private peek(offset = 0): Token {
    // The eof token is last; never read past it.
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return token;
  }

  private isOp(token: Token, text: string): boolean {
    return token.kind === "op" && token.text === text;
  }

  private isWord(token: Token, text: string): boolean {
    return token.kind === "ident" && token.text === text;
  }

  private describe(token: Token): string {
    return token.kind === "eof" ? "end of expression" : quote(token.text);
  }

  private fail(token: Token, what: string, tail = "") {
    return syntaxError(this.source, token.start, what, tail);
  }

  private expectOp(text: string): Token {
    const token = this.peek();
    if (!this.isOp(token, text))
      throw this.fail(token, `expected ${quote(text)}`, `, found ${this.describe(token)}`);
    return this.next();
  }

  private enter(token: Token): void {
    if (++this.depth > MAX_DEPTH)
      throw this.fail(token, `expression nested too deeply (more than ${MAX_DEPTH} levels)`);
  }

  private leave(): void {
    this.depth--;
  }

  // ---- grammar ----

  private parseOr(): ExprNode {
    let left = this.parseAnd();
    while (this.isOp(this.peek(), "||") || this.isWord(this.peek(), "or")) {
      this.next();
      const right = this.parseAnd();
      left = { kind: "binary", op: "or", left, right, start: left.start, end: right.end };
    }
    return left;
  }

  private parseAnd(): ExprNode {
    let left = this.parseNot();
    while (this.isOp(this.peek(), "&&") || this.isWord(this.peek(), "and")) {
      this.next();
      const right = this.parseNot();
      left = { kind: "binary", op: "and", left, right, start: left.start, end: right.end };
    }
    return left;
  }

  private parseNot(): ExprNode {
    const token = this.peek();
    if (this.isOp(token, "!") || this.isWord(token, "not")) {
      this.enter(token);
      this.next();
      const operand = this.parseNot();
      this.leave();
      return { kind: "not", operand, start: token.start, end: operand.end };
    }
    return this.parseComparison();
  }

  private parseComparison(): ExprNode {
    const left = this.parseAdditive();
    const opToken = this.peek();
    if (opToken.kind !== "op" || !COMPARISONS.has(opToken.text)) return left;
    this.next();
    const right = this.parseAdditive();
    const after = this.peek();
    if (after.kind === "op" && COMPARISONS.has(after.text)) {
      throw this.fail(
        after,
        `comparisons cannot be chained: unexpected ${quote(after.text)}`,
        `; combine them with "and"`,
      );
    }
    return { kind: "binary", op: opToken.text as BinaryOp, left, right, start: left.start, end: right.end };
  }

  private parseAdditive(): ExprNode {
    let left = this.parseMultiplicative();
    for (;;) {
      const token = this.peek();
      if (!this.isOp(token, "+") && !this.isOp(token, "-")) return left;
      this.next();
      const right = this.parseMultiplicative();
      left = { kind: "binary", op: token.text as BinaryOp, left, right, start: left.start, end: right.end };
    }
  }

  private parseMultiplicative(): ExprNode {
    let left = this.parseUnary();
    for (;;) {
      const token = this.peek();
      if (!this.isOp(token, "*") && !this.isOp(token, "/") && !this.isOp(token, "%")) return left;
      this.next();
      const right = this.parseUnary();
      left = { kind: "binary", op: token.text as BinaryOp, left, right, start: left.start, end: right.end };
    }
  }

  private parseUnary(): ExprNode {
    const token = this.peek();
    if (this.isOp(token, "-") || this.isOp(token, "+")) {
      this.enter(token);
      this.next();
      const operand = this.parseUnary();
      this.leave();
      if (token.text === "+") return { ...operand, start: token.start };
      return { kind: "negate", operand, start: token.start, end: operand.end };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): ExprNode {
    const token = this.peek();
    if (token.kind === "number") return this.parseNumber();
    if (this.isOp(token, "(")) {
      this.enter(token);
      this.next();
      const inner = this.parseOr();
      const close = this.expectOp(")");
      this.leave();
      // The span takes the parentheses, so that messages quote "a / (b - 3)" whole.
      return { ...inner, start: token.start, end: close.end };
    }
    if (token.kind === "ident") return this.parseName();
    throw this.fail(token, "expected a value", `, found ${this.describe(token)}`);
  }

  /** A number, with an optional size suffix glued or after spaces: `2GiB`, `1.5 MB`. */
  private parseNumber(): ExprNode {
    const token = this.next();
    const suffix = this.peek();
    if (suffix.kind === "ident") {
      const glued = suffix.start === token.end;
      const multiplier = hasOwn(SIZE_SUFFIXES, suffix.text)
        ? SIZE_SUFFIXES[suffix.text]
        : glued && hasOwn(DURATION_SUFFIXES, suffix.text)
          ? DURATION_SUFFIXES[suffix.text]
          : undefined;
      if (multiplier !== undefined) {
        this.next();
        const value = token.value * multiplier;
        if (!Number.isFinite(value))
          throw this.fail(token, `number ${quote(this.source.slice(token.start, suffix.end))} is too large`);
        return { kind: "number", value, start: token.start, end: suffix.end };
      }
      if (suffix.start === token.end) {
        throw this.fail(suffix, `unknown size suffix ${quote(suffix.text)}`, sizeSuffixTail(suffix.text));
      }
    }
    return { kind: "number", value: token.value, start: token.start, end: token.end };
  }

  private parseName(): ExprNode {
    const token = this.next();
    const name = token.text;
    const callFollows = this.isOp(this.peek(), "(");
    if (name === "true" || name === "false")
      return { kind: "number", value: name === "true" ? 1 : 0, start: token.start, end: token.end };
    if (KEYWORDS.has(name)) throw this.fail(token, "expected a value", `, found ${quote(name)}`);
    if (callFollows) {
      if (hasOwn(FUNCTIONS, name)) return this.parseCall(token, name as FunctionName);
      if (this.allowed.has(name)) throw this.fail(token, `${quote(name)} is a variable, not a function`);
      throw this.fail(token, `unknown function ${quote(name)}`, unknownFunctionTail(name));
    }
    if (this.allowed.has(name)) return { kind: "variable", name, start: token.start, end: token.end };
    if (hasOwn(FUNCTIONS, name))
      throw this.fail(
        this.peek(),
        `expected "(" after function ${quote(name)}`,
        `, found ${this.describe(this.peek())}`,
      );
    if (hasOwn(SIZE_SUFFIXES, name))
      throw this.fail(token, `expected a number before size suffix ${quote(name)}`);
    throw this.fail(token, `unknown variable ${quote(name)}`, unknownVariableTail(name, this.allowedList));
  }

  private parseCall(nameToken: Token, name: FunctionName): ExprNode {
    this.enter(nameToken);
    this.next(); // "("
    const args: ExprNode[] = [];
    if (!this.isOp(this.peek(), ")")) {
      for (;;) {
        args.push(this.parseOr());
        const token = this.peek();
        if (this.isOp(token, ",")) {
          this.next();
          continue;
        }
        if (this.isOp(token, ")")) break;
        throw this.fail(token, `expected "," or ")" in call to ${name}`, `, found ${this.describe(token)}`);
      }
    }
    const close = this.next();
    this.leave();
    const arity = FUNCTIONS[name];
    if (args.length < arity.min || args.length > arity.max) {
      const wanted = arity.max === Infinity ? `at least ${arity.min}` : `${arity.min}`;
      throw this.fail(
        nameToken,
        `wrong number of arguments to ${name}(${arity.params})`,
        `: takes ${wanted}, got ${args.length}`,
      );
    }
    return { kind: "call", name, args, start: nameToken.start, end: close.end };
  }
}
