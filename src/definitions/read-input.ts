import type * as TypeScript from "typescript";
import type { InputType, ScriptDescription } from "../sdk/protocol.js";
import { INPUT_OPTIONS } from "./input-options.js";
import { objectProperties } from "./object-properties.js";
import { LITERALS_ONLY, report, type ReadContext } from "./read-context.js";
import { readLiteral } from "./read-literal.js";
import { sdkExportName } from "./sdk-bindings.js";
import { skipTypeWrappers } from "./skip-type-wrappers.js";

type InputDescription = ScriptDescription["inputs"][string];

interface OptionValues {
  required?: boolean;
  optional?: boolean;
  default?: string | number | boolean;
  description?: string;
  secret?: boolean;
  min?: number;
  max?: number;
  pattern?: { source: string; flags: string };
  choices?: string[];
}

/**
 * One input (`limit: int({ default: 100, min: 1 })`) as describeScript describes it, or
 * undefined when it is no builder call. Problems go to `ctx`: with any, the caller keeps
 * nothing of the result. `label` is the input in messages ("inputs.limit").
 */
export function readInput(ctx: ReadContext, node: TypeScript.Node, label: string): InputDescription | undefined {
  const { ts } = ctx;
  const call = skipTypeWrappers(ts, node);
  const builder = ts.isCallExpression(call) ? sdkExportName(ts, ctx.sdk, call.expression) : null;
  if (!ts.isCallExpression(call) || builder === null || !Object.hasOwn(INPUT_OPTIONS, builder)) {
    report(ctx, node, `${label} must be a call to string(), int(), float(), bool() or file() from "chorebot": ${LITERALS_ONLY}`);
    return undefined;
  }
  const kind = builder as InputType;
  const [argument, ...extra] = call.arguments;
  if (extra[0] !== undefined) report(ctx, extra[0], `${label}: ${kind}() takes one argument, its options`);
  const options = argument === undefined ? undefined : skipTypeWrappers(ts, argument);
  if (options !== undefined && !ts.isObjectLiteralExpression(options)) {
    report(ctx, options, `${label}: the options of ${kind}() must be an object literal like { default: … }: ${LITERALS_ONLY}`);
    return undefined;
  }
  const values = options === undefined ? {} : readOptions(ctx, kind, options, label);
  // The SDK's own checks (inputs.ts), which would throw when the script starts.
  if (values.required === true && values.optional === true) report(ctx, call, `${label}: required and optional at once`);
  if (values.min !== undefined && values.max !== undefined && values.min > values.max) {
    report(ctx, call, `${label}: min ${values.min} > max ${values.max}`);
  }
  return describeInput(kind, values);
}

/** The options' literal values; an option that cannot be read is left out (and reported). */
function readOptions(ctx: ReadContext, kind: InputType, object: TypeScript.ObjectLiteralExpression, label: string): OptionValues {
  const known = INPUT_OPTIONS[kind];
  const values: Record<string, unknown> = {};
  for (const { name, node, value } of objectProperties(ctx, object, label)) {
    const option = Object.hasOwn(known, name) ? known[name] : undefined;
    if (option === undefined) report(ctx, node, `${label}: ${kind}() has no option \`${name}\` (it has ${Object.keys(known).join(", ")})`);
    else if (option !== "code") values[name] = readLiteral(ctx, value, option, `${label}: ${name}`);
  }
  return values;
}

/** Mirrors describeScript (src/sdk/define-script.ts), field for field and in the same order. */
function describeInput(kind: InputType, o: OptionValues): InputDescription {
  const secret = o.secret === true;
  return {
    type: kind,
    required: o.default === undefined && o.optional !== true && o.required !== false,
    ...(o.default !== undefined && !secret ? { default: o.default } : {}),
    ...(o.description !== undefined ? { description: o.description } : {}),
    ...(o.min !== undefined ? { min: o.min } : {}),
    ...(o.max !== undefined ? { max: o.max } : {}),
    ...(o.pattern !== undefined ? { pattern: o.pattern.source } : {}),
    ...(o.pattern !== undefined && o.pattern.flags !== "" ? { flags: o.pattern.flags } : {}),
    ...(o.choices !== undefined ? { choices: o.choices } : {}),
    ...(secret ? { secret: true } : {}),
  };
}
