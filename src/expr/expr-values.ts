// What a compiled expression is and how its evaluation fails: the public face of the
// compiler (evaluate.ts), kept apart so the compiler stays one job.
import type { ExprNode } from "./ast.js";
import { quote } from "./lexer.js";

/** A well-formed expression that cannot be evaluated with the values given. */
export class ExprEvalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExprEvalError";
  }
}

export type ExprVariables = Readonly<Record<string, number>>;

export interface CompiledExpr {
  readonly source: string;
  /** Distinct variable names used, in order of first appearance. */
  readonly variables: readonly string[];
  /** Booleans are 1 / 0. Throws ExprEvalError. */
  evaluate(vars: ExprVariables): number;
}

/** Truth of a value as the language sees it: non-zero and not NaN. */
export function truthy(value: number): boolean {
  return value !== 0 && !Number.isNaN(value);
}

/** Distinct variable names of an AST, in order of first appearance. */
export function collectVariables(node: ExprNode, into: string[]): string[] {
  switch (node.kind) {
    case "number":
      break;
    case "variable":
      if (!into.includes(node.name)) into.push(node.name);
      break;
    case "negate":
    case "not":
      collectVariables(node.operand, into);
      break;
    case "binary":
      collectVariables(node.left, into);
      collectVariables(node.right, into);
      break;
    case "call":
      for (const arg of node.args) collectVariables(arg, into);
      break;
  }
  return into;
}

export function badVariable(name: string, value: unknown): ExprEvalError {
  if (value === undefined) return new ExprEvalError(`no value for variable ${quote(name)}`);
  const shown = typeof value === "number" ? String(value) : typeof value;
  return new ExprEvalError(`variable ${quote(name)} is not a finite number (${shown})`);
}
