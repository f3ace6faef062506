// Compiles a checked AST into a tree of closures, once; evaluating is then plain calls
// with no parsing or string work. Constant sub-expressions are folded at compile time.
//
// Invariant: every closure returns a finite number (variables are checked when read,
// arithmetic when computed), so truth is simply `!== 0` and booleans are 1 / 0.
import type { ExprNode } from "./ast.js";
import { parseExpr } from "./parser.js";
import { columnAt, quote } from "./lexer.js";
import {
  ExprEvalError,
  badVariable,
  collectVariables,
  type CompiledExpr,
  type ExprVariables,
} from "./expr-values.js";

type Fn = (vars: ExprVariables) => number;

interface Compiled {
  readonly fn: Fn;
  /** Set when the node's value does not depend on variables (and evaluates without error). */
  readonly constant?: number;
}

const NO_VARIABLES: ExprVariables = Object.freeze({});
/** Longest sub-expression text quoted in a runtime error. */
const QUOTED_TEXT_LIMIT = 80;

/** Parses, checks and compiles an expression. Throws ExprSyntaxError. */
export function compileExpr(source: string, allowedVariables: readonly string[]): CompiledExpr {
  const ast = parseExpr(source, allowedVariables);
  const variables = collectVariables(ast, []);
  const fn = new Compiler(source).compile(ast).fn;
  return Object.freeze({
    source,
    variables: Object.freeze(variables),
    // `+ 0` turns -0 into 0; an arrow so `const { evaluate } = compiled` works.
    evaluate: (vars: ExprVariables): number => fn(vars) + 0,
  });
}

function constant(value: number): Compiled {
  return { fn: () => value, constant: value };
}

/** Truth of a compiled child as 1 / 0 (used when `x and y` must not return y itself). */
function asBoolean(child: Compiled): Compiled {
  if (child.constant !== undefined) return constant(child.constant !== 0 ? 1 : 0);
  const f = child.fn;
  return { fn: (v) => (f(v) !== 0 ? 1 : 0) };
}

class Compiler {
  constructor(private readonly source: string) {}

  compile(node: ExprNode): Compiled {
    switch (node.kind) {
      case "number":
        return constant(node.value);
      case "variable":
        return { fn: this.variable(node.name) };
      case "negate": {
        const operand = this.compile(node.operand);
        const f = operand.fn;
        return this.fold({ fn: (v) => -f(v) }, [operand]);
      }
      case "not": {
        const operand = this.compile(node.operand);
        const f = operand.fn;
        return this.fold({ fn: (v) => (f(v) === 0 ? 1 : 0) }, [operand]);
      }
      case "binary":
        return this.binary(node);
      case "call":
        return this.call(node);
    }
  }

  /** Replaces a node whose children are all constant by its value, unless computing it throws. */
  private fold(compiled: Compiled, children: readonly Compiled[]): Compiled {
    if (!children.every((child) => child.constant !== undefined)) return compiled;
    try {
      return constant(compiled.fn(NO_VARIABLES));
    } catch (err) {
      // Keep the closure: the error belongs to evaluation time (and may be skipped by and/or/if).
      if (err instanceof ExprEvalError) return compiled;
      throw err;
    }
  }

  private variable(name: string): Fn {
    return (v) => {
      const x = v[name];
      // typeof and x - x === 0 together accept exactly the finite numbers.
      if (typeof x !== "number" || x - x !== 0) throw badVariable(name, x);
      return x;
    };
  }

  private binary(node: Extract<ExprNode, { kind: "binary" }>): Compiled {
    const left = this.compile(node.left);
    const right = this.compile(node.right);
    const a = left.fn;
    const b = right.fn;
    switch (node.op) {
      // and / or short-circuit; a constant left side decides at compile time.
      case "and":
        if (left.constant !== undefined) return left.constant === 0 ? constant(0) : asBoolean(right);
        return { fn: (v) => (a(v) !== 0 && b(v) !== 0 ? 1 : 0) };
      case "or":
        if (left.constant !== undefined) return left.constant !== 0 ? constant(1) : asBoolean(right);
        return { fn: (v) => (a(v) !== 0 || b(v) !== 0 ? 1 : 0) };
      case "<":
        return this.fold({ fn: (v) => (a(v) < b(v) ? 1 : 0) }, [left, right]);
      case "<=":
        return this.fold({ fn: (v) => (a(v) <= b(v) ? 1 : 0) }, [left, right]);
      case ">":
        return this.fold({ fn: (v) => (a(v) > b(v) ? 1 : 0) }, [left, right]);
      case ">=":
        return this.fold({ fn: (v) => (a(v) >= b(v) ? 1 : 0) }, [left, right]);
      case "==":
        return this.fold({ fn: (v) => (a(v) === b(v) ? 1 : 0) }, [left, right]);
      case "!=":
        return this.fold({ fn: (v) => (a(v) !== b(v) ? 1 : 0) }, [left, right]);
      case "+": {
        const overflow = this.overflow(node);
        return this.fold(
          {
            fn: (v) => {
              const r = a(v) + b(v);
              return r - r === 0 ? r : overflow(r);
            },
          },
          [left, right],
        );
      }
      case "-": {
        const overflow = this.overflow(node);
        return this.fold(
          {
            fn: (v) => {
              const r = a(v) - b(v);
              return r - r === 0 ? r : overflow(r);
            },
          },
          [left, right],
        );
      }
      case "*": {
        const overflow = this.overflow(node);
        return this.fold(
          {
            fn: (v) => {
              const r = a(v) * b(v);
              return r - r === 0 ? r : overflow(r);
            },
          },
          [left, right],
        );
      }
      case "/": {
        const overflow = this.overflow(node);
        const text = this.text(node);
        return this.fold(
          {
            fn: (v) => {
              const x = a(v);
              const y = b(v);
              if (y === 0) throw new ExprEvalError(`division by zero in ${text()}`);
              const r = x / y;
              return r - r === 0 ? r : overflow(r);
            },
          },
          [left, right],
        );
      }
      case "%": {
        const text = this.text(node);
        return this.fold(
          {
            fn: (v) => {
              const x = a(v);
              const y = b(v);
              if (y === 0) throw new ExprEvalError(`modulo by zero in ${text()}`);
              // Floored modulo (sign of the divisor), as in Python: -7 % 3 == 2.
              const r = x % y;
              return r !== 0 && r < 0 !== y < 0 ? r + y : r;
            },
          },
          [left, right],
        );
      }
    }
  }

  private call(node: Extract<ExprNode, { kind: "call" }>): Compiled {
    const args = node.args.map((arg) => this.compile(arg));
    const fns = args.map((arg) => arg.fn);
    const [f, g, h] = fns as [Fn, Fn | undefined, Fn | undefined];
    switch (node.name) {
      case "if": {
        // Lazy: only the chosen branch runs; a constant condition picks it now.
        const [cond, then, otherwise] = args as [Compiled, Compiled, Compiled];
        if (cond.constant !== undefined) return cond.constant !== 0 ? then : otherwise;
        const t = g as Fn;
        const e = h as Fn;
        return { fn: (v) => (f(v) !== 0 ? t(v) : e(v)) };
      }
      case "min":
      case "max": {
        const pick = node.name === "min" ? Math.min : Math.max;
        if (fns.length === 1) return args[0] as Compiled;
        if (fns.length === 2) {
          const s = g as Fn;
          return this.fold({ fn: (v) => pick(f(v), s(v)) }, args);
        }
        return this.fold(
          {
            fn: (v) => {
              let r = f(v);
              for (let i = 1; i < fns.length; i++) r = pick(r, (fns[i] as Fn)(v));
              return r;
            },
          },
          args,
        );
      }
      case "floor":
        return this.fold({ fn: (v) => Math.floor(f(v)) }, args);
      case "ceil":
        return this.fold({ fn: (v) => Math.ceil(f(v)) }, args);
      case "round":
        // Halves away from zero: round(2.5) == 3, round(-2.5) == -3.
        return this.fold(
          {
            fn: (v) => {
              const x = f(v);
              return x < 0 ? -Math.round(-x) : Math.round(x);
            },
          },
          args,
        );
      case "abs":
        return this.fold({ fn: (v) => Math.abs(f(v)) }, args);
      case "clamp": {
        const lowFn = g as Fn;
        const highFn = h as Fn;
        const text = this.text(node);
        return this.fold(
          {
            fn: (v) => {
              const x = f(v);
              const lo = lowFn(v);
              const hi = highFn(v);
              if (lo > hi)
                throw new ExprEvalError(`clamp bounds are reversed (lo ${lo} > hi ${hi}) in ${text()}`);
              return x < lo ? lo : x > hi ? hi : x;
            },
          },
          args,
        );
      }
    }
  }

  /** The thrower for a non-finite result of `node`; messages are built only when thrown. */
  private overflow(node: ExprNode): (r: number) => never {
    const text = this.text(node);
    return (r) => {
      throw new ExprEvalError(`non-finite result (${r}) of ${text()}`);
    };
  }

  /** Lazily, `"a / b" (column 5)`: a node's source text for messages, shortened when long. */
  private text(node: ExprNode): () => string {
    const source = this.source;
    return () => {
      let snippet = source.slice(node.start, node.end);
      if (snippet.length > QUOTED_TEXT_LIMIT) snippet = `${snippet.slice(0, QUOTED_TEXT_LIMIT - 3)}...`;
      return `${quote(snippet)} (column ${columnAt(source, node.start)})`;
    };
  }
}
