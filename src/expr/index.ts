// Public API of the safe expression language used in Plancton's config
// (`max_docks: "ncpus - 2"`, `spawn_when: "cpu_owner_5m < 0.5 and disk_free_ratio > 0.1"`).
// Expressions are parsed and checked, never run as code: no eval, Function or vm.
export { ExprSyntaxError } from "./lexer.js";
export { compileExpr } from "./evaluate.js";
export { ExprEvalError, truthy, type CompiledExpr, type ExprVariables } from "./expr-values.js";
export { nearest } from "./suggest.js";
