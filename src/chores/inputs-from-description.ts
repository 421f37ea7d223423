import { bool, file, float, int, string, type AnyInput, type InputDeclarations } from "../sdk/inputs.js";
import type { ScriptDescription } from "../sdk/protocol.js";

type InputDescription = ScriptDescription["inputs"][string];

/**
 * The SDK's Input objects for a chore's declared inputs, rebuilt from its description (read
 * statically from the source), so that the pages check a value with the very validators the
 * script runs (`coerceInputs`): type, required, min/max, choices, pattern.
 *
 * What a description cannot carry is left out:
 * - a custom `validate` function: no chore code runs in the web process, so it runs when the
 *   script starts (a value it refuses fails the run, with its message, instead of the form);
 * - a secret input's default (descriptions never hold it): the script applies it;
 * - the flags of a pattern described before descriptions held them (`source` only, read as
 *   having none): the source is compiled without flags, unless it uses syntax that only a
 *   Unicode flag gives a meaning (`\p{…}`, `\u{…}`): then with `v`, else `u`. An `i` flag
 *   was lost: such a pattern is stricter here than in the script. A pattern that does not
 *   compile is only checked when the script starts.
 * A `g` or `y` flag makes `test` start at `lastIndex`: coerceInputs resets it before each
 * test, as in the script, so the same value gets the same verdict every time.
 */
export function inputsFromDescription(description: ScriptDescription | null): InputDeclarations {
  const inputs: InputDeclarations = {};
  for (const [name, declared] of Object.entries(description?.inputs ?? {})) inputs[name] = inputFrom(declared);
  return inputs;
}

function inputFrom(d: InputDescription): AnyInput {
  const base = {
    required: d.required,
    ...(d.description !== undefined ? { description: d.description } : {}),
    ...(d.secret === true ? { secret: true } : {}),
  };
  const fallback = d.default;
  switch (d.type) {
    case "string": {
      const pattern = d.pattern === undefined ? null : compilePattern(d.pattern, d.flags);
      return string({
        ...base,
        ...(typeof fallback === "string" ? { default: fallback } : {}),
        ...(pattern !== null ? { pattern } : {}),
        ...(d.choices !== undefined ? { choices: [...d.choices] } : {}),
      });
    }
    case "int":
    case "float": {
      const build = d.type === "int" ? int : float;
      return build({
        ...base,
        ...(typeof fallback === "number" ? { default: fallback } : {}),
        ...(d.min !== undefined ? { min: d.min } : {}),
        ...(d.max !== undefined ? { max: d.max } : {}),
      });
    }
    case "bool":
      return bool({ ...base, ...(typeof fallback === "boolean" ? { default: fallback } : {}) });
    case "file":
      return file({ ...base, ...(typeof fallback === "string" ? { default: fallback } : {}) });
  }
}

/** Syntax that means something else without a Unicode flag (`\p{L}` would be a literal `p{L}`). */
const UNICODE_ONLY = /\\[pPq]\{|\\u\{/;

/**
 * A pattern's source and flags as a RegExp, or null when it does not compile. Without flags
 * (see inputsFromDescription), null when it compiles under none of the flags tried.
 */
export function compilePattern(source: string, flags?: string): RegExp | null {
  for (const tried of flags !== undefined ? [flags] : UNICODE_ONLY.test(source) ? ["v", "u", ""] : ["", "v", "u"]) {
    try {
      return new RegExp(source, tried);
    } catch {
      // next
    }
  }
  return null;
}
