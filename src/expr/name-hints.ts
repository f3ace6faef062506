// The "what to write instead" tails of the parser's messages about names: a near name
// ("did you mean ...?"), or the names that exist.
import { nearest } from "./suggest.js";
import { FUNCTION_NAMES, SIZE_SUFFIXES, SUFFIX_NAMES } from "./ast.js";
import { quote, type Token } from "./lexer.js";

/** How many known names an "unknown variable" message lists when it has no suggestion. */
const LISTED_NAMES = 6;

export function hasOwn(record: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, key);
}

export function unknownVariableTail(name: string, allowed: readonly string[]): string {
  const guess = nearest(name, allowed);
  if (guess !== undefined) return `; did you mean ${guess}?`;
  const known = [...new Set(allowed)];
  if (known.length === 0) return "; no variables are available in this expression";
  const listed = known.slice(0, LISTED_NAMES).join(", ");
  const more = known.length > LISTED_NAMES ? `, ... (${known.length - LISTED_NAMES} more)` : "";
  return `; known variables: ${listed}${more}`;
}

export function unknownFunctionTail(name: string): string {
  const guess = nearest(name, FUNCTION_NAMES);
  return guess !== undefined ? `; did you mean ${guess}?` : `; functions are ${FUNCTION_NAMES.join(", ")}`;
}

/** Letters glued to a number: a mistyped size suffix, or a missing operator. */
export function sizeSuffixTail(text: string): string {
  const caseless = SUFFIX_NAMES.find((name) => name.toLowerCase() === text.toLowerCase());
  return caseless !== undefined
    ? `; did you mean ${quote(caseless)}?`
    : `; size suffixes are ${SUFFIX_NAMES.join(", ")}`;
}

/** A size suffix written where a value was expected. */
export function suffixHint(token: Token): string {
  return token.kind === "ident" && hasOwn(SIZE_SUFFIXES, token.text)
    ? "; a size suffix must follow a number directly"
    : "";
}
