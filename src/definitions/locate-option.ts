import type { ScriptDefinition } from "../sdk/define-script.js";
import { findDefineScriptCalls } from "./find-define-script-calls.js";
import { objectProperties } from "./object-properties.js";
import { problemAt, type ReadContext } from "./read-context.js";
import { requireTypeScript } from "./require-typescript.js";
import { sdkBindings } from "./sdk-bindings.js";
import { skipTypeWrappers } from "./skip-type-wrappers.js";

/**
 * Where a definition writes one of its options (`env: […]`), 1-based, for a message about what
 * it declares; null when it does not write it. Meant for a definition readScriptDefinition
 * read without problems: the same parse, the same first defineScript call. `within` goes down
 * into the option's object literal (`schedule` then ["retries", "attempts"]) as far as it is
 * written: the deepest of them found.
 */
export function locateOption(
  source: string,
  fileName: string,
  option: keyof ScriptDefinition,
  within: readonly string[] = [],
): { line: number; column: number } | null {
  const ts = requireTypeScript();
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const sdk = sdkBindings(ts, file);
  const argument = findDefineScriptCalls(ts, file, sdk).calls[0]?.arguments[0];
  const object = argument === undefined ? undefined : skipTypeWrappers(ts, argument);
  if (object === undefined || !ts.isObjectLiteralExpression(object)) return null;
  // Problems are readScriptDefinition's to report; here only the place matters.
  const ctx: ReadContext = { ts, file, sdk, problems: [] };
  let property = objectProperties(ctx, object, "defineScript").find((candidate) => candidate.name === option);
  if (property === undefined) return null;
  for (const name of within) {
    const value = skipTypeWrappers(ts, property.value);
    const inner = ts.isObjectLiteralExpression(value) ? objectProperties(ctx, value, option).find((candidate) => candidate.name === name) : undefined;
    if (inner === undefined) break;
    property = inner;
  }
  const { line, column } = problemAt(file, property.node, "");
  return { line, column };
}
