// The expression language's vocabulary: the AST the parser builds and the evaluator walks,
// the functions with their arities, and the size suffixes a number may carry.

export type BinaryOp = "or" | "and" | "<" | "<=" | ">" | ">=" | "==" | "!=" | "+" | "-" | "*" | "/" | "%";
export type FunctionName = "min" | "max" | "floor" | "ceil" | "round" | "abs" | "clamp" | "if";

interface Span {
  /** UTF-16 offsets of the node's source text: [start, end). */
  readonly start: number;
  readonly end: number;
}

export type ExprNode =
  | (Span & { readonly kind: "number"; readonly value: number })
  | (Span & { readonly kind: "variable"; readonly name: string })
  | (Span & { readonly kind: "negate"; readonly operand: ExprNode })
  | (Span & { readonly kind: "not"; readonly operand: ExprNode })
  | (Span & {
      readonly kind: "binary";
      readonly op: BinaryOp;
      readonly left: ExprNode;
      readonly right: ExprNode;
    })
  | (Span & { readonly kind: "call"; readonly name: FunctionName; readonly args: readonly ExprNode[] });

/** Arity of each function: [least, most] arguments, and how to describe them. */
export const FUNCTIONS: Readonly<Record<FunctionName, { min: number; max: number; params: string }>> = {
  min: { min: 1, max: Infinity, params: "a, b, ..." },
  max: { min: 1, max: Infinity, params: "a, b, ..." },
  floor: { min: 1, max: 1, params: "x" },
  ceil: { min: 1, max: 1, params: "x" },
  round: { min: 1, max: 1, params: "x" },
  abs: { min: 1, max: 1, params: "x" },
  clamp: { min: 3, max: 3, params: "x, lo, hi" },
  if: { min: 3, max: 3, params: "cond, then, else" },
};
export const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];

/** Size suffixes after a number, as multipliers. Case matters: `MB` is 10^6, `MiB` is 2^20. */
export const SIZE_SUFFIXES: Readonly<Record<string, number>> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40,
};
export const SUFFIX_NAMES = Object.keys(SIZE_SUFFIXES);

/** Duration suffixes glued to a number, in seconds: `15m` is 900, `1h` 3600 (input_idle > 15m). */
export const DURATION_SUFFIXES: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };
