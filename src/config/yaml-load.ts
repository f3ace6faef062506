// js-yaml with bounds on what a small text can cost once loaded. Aliases are cheap to
// write and expensive to walk: "a: &a [x,x,x,x,x,x,x,x,x]" then "b: &b [*a,*a,...]" nine
// levels deep is 400 bytes on disk and a billion nodes to any code that walks the result
// (validation, JSON, a message quoting the value). js-yaml has no option against it, so
// its parse listener keeps, for every collection it builds, the size of the tree it
// stands for (nodes plus string characters, computed from its children's sizes: O(1) per
// entry), and charges each alias the size of what it refers to. Past ALIAS_BUDGET the
// document is refused, before any walk and before js-yaml copies a merge (<<: *a). So a
// loaded document stands for at most its own text plus ALIAS_BUDGET units, whatever the
// input; recursive aliases (&a [*a]) are refused too, and nesting is capped.
import yaml from "js-yaml";

/** Units (nodes and string characters) all the aliases of one document may expand to. */
export const ALIAS_BUDGET = 100_000;
/** Deepest nesting accepted (a Plancton config is 3 levels deep). */
export const MAX_YAML_DEPTH = 32;

/** The document asks for more than the budget: message says what and what to do. */
export class YamlBudgetError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = "YamlBudgetError";
  }
}

interface ListenerState {
  kind: string | null;
  result: unknown;
  line: number;
}

function isCollection(v: unknown): v is Record<string, unknown> | unknown[] {
  if (v === null || typeof v !== "object") return false;
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

export interface YamlLimits {
  /** Units (nodes and string characters) all aliases may expand to; ALIAS_BUDGET by default. */
  aliasBudget?: number;
  /** Most nodes (scalars, maps, lists, aliases) in the text: parsing stops at the first one over. */
  maxNodes?: number;
}

/**
 * yaml.load, refusing alias expansion beyond the budget, nesting beyond MAX_YAML_DEPTH and more than maxNodes
 * nodes.
 */
export function loadYamlBounded(text: string, filename: string, limits: YamlLimits = {}): unknown {
  const aliasBudget = limits.aliasBudget ?? ALIAS_BUDGET;
  const maxNodes = limits.maxNodes ?? Infinity;
  const sizes = new WeakMap<object, number>();
  let aliasUnits = 0;
  let nodes = 0;
  const weight = (v: unknown): number =>
    typeof v === "string" ? 1 + v.length : isCollection(v) ? (sizes.get(v) ?? 1) : 1;
  const listener = (event: string, state: ListenerState) => {
    if (event === "open") {
      if (++nodes > maxNodes)
        throw new YamlBudgetError(
          `more than ${maxNodes} keys, values and list items; a config has about fifty keys: check ` +
            `what the server sends`,
          state.line + 1,
        );
      return;
    }
    const r = state.result;
    if (state.kind === "mapping" || state.kind === "sequence") {
      if (!isCollection(r)) return; // a tagged type (!!set, !!omap) built something else
      let size = 1;
      if (Array.isArray(r)) for (const e of r) size += weight(e);
      else for (const k in r) size += k.length + weight(r[k]);
      sizes.set(r, size);
      return;
    }
    if (state.kind !== null || r === null || r === undefined) return;
    // kind null with a result: an alias (*name).
    if (isCollection(r) && !sizes.has(r)) {
      throw new YamlBudgetError(
        "an alias refers to a map or list that contains it (a recursive alias): write the values out",
        state.line + 1,
      );
    }
    aliasUnits += weight(r);
    if (aliasUnits > aliasBudget) {
      throw new YamlBudgetError(
        `aliases expand to more than ${aliasBudget} nodes and characters (an alias bomb?): write ` +
          `the values out instead of repeating anchors`,
        state.line + 1,
      );
    }
  };
  // maxDepth is an option of js-yaml 4.3 that @types/js-yaml does not list yet.
  return yaml.load(text, { filename, listener, maxDepth: MAX_YAML_DEPTH } as yaml.LoadOptions);
}
