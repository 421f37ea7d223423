import type * as TypeScript from "typescript";
import type { ScriptDefinition } from "../sdk/define-script.js";
import type { WorkflowDefinition } from "../sdk/workflow-types.js";
import { findDefineScriptCalls } from "./find-define-script-calls.js";
import { objectProperties } from "./object-properties.js";
import { problemAt, type ReadContext } from "./read-context.js";
import { requireTypeScript } from "./require-typescript.js";
import { sdkBindings } from "./sdk-bindings.js";
import { skipTypeWrappers } from "./skip-type-wrappers.js";

/**
 * Where a definition writes one of its options (`env: […]`), 1-based, for a message about what
 * it declares; null when it does not write it. Meant for a definition readScriptDefinition
 * read without problems: the same parse, the same first defineScript or defineWorkflow call.
 * `within` goes down into the option's value as far as it is written, the deepest place found:
 * a name into an object literal (`schedule` then ["retries", "attempts"]), an index into an
 * array literal, through the SDK's step() call (`steps` then [2, "name"]).
 */
export function locateOption(
  source: string,
  fileName: string,
  option: keyof ScriptDefinition | keyof WorkflowDefinition,
  within: readonly (string | number)[] = [],
): { line: number; column: number } | null {
  const ts = requireTypeScript();
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const sdk = sdkBindings(ts, file);
  const { calls, stepCalls } = findDefineScriptCalls(ts, file, sdk);
  const argument = calls[0]?.call.arguments[0];
  const object = argument === undefined ? undefined : skipTypeWrappers(ts, argument);
  if (object === undefined || !ts.isObjectLiteralExpression(object)) return null;
  // Problems are readScriptDefinition's to report; here only the place matters.
  const ctx: ReadContext = { ts, file, sdk, problems: [] };
  let place: TypeScript.Node | undefined = objectProperties(ctx, object, "defineScript").find((candidate) => candidate.name === option)?.node;
  if (place === undefined) return null;
  for (const step of within) {
    const inner = insideOf(ctx, place, step, new Set(stepCalls));
    if (inner === undefined) break;
    place = inner;
  }
  const { line, column } = problemAt(file, place, "");
  return { line, column };
}

/** What `place` (a property, or an array's element) holds at `step`: a property by name, an element by index. */
function insideOf(ctx: ReadContext, place: TypeScript.Node, step: string | number, stepCalls: ReadonlySet<TypeScript.Node>): TypeScript.Node | undefined {
  const { ts } = ctx;
  let value = skipTypeWrappers(ts, ts.isPropertyAssignment(place) ? place.initializer : place);
  if (ts.isCallExpression(value) && stepCalls.has(value) && value.arguments[0] !== undefined) value = skipTypeWrappers(ts, value.arguments[0]);
  if (typeof step === "number") return ts.isArrayLiteralExpression(value) ? value.elements[step] : undefined;
  return ts.isObjectLiteralExpression(value) ? objectProperties(ctx, value, "").find((candidate) => candidate.name === step)?.node : undefined;
}
