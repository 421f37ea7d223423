import type * as TypeScript from "typescript";
import type { ScriptDefinition } from "../sdk/define-script.js";
import { parseDuration } from "../sdk/parse-duration.js";
import { CONCURRENCY, DEFAULT_CONCURRENCY, isConcurrency, type Concurrency, type ScriptDescription } from "../sdk/protocol.js";
import { findDefineScriptCalls } from "./find-define-script-calls.js";
import { objectProperties } from "./object-properties.js";
import { LITERALS_ONLY, report, type DefinitionProblem, type ReadContext } from "./read-context.js";
import { readEnv } from "./read-env.js";
import { readInput } from "./read-input.js";
import { readLiteral } from "./read-literal.js";
import { readSchedule } from "./read-schedule.js";
import { requireTypeScript } from "./require-typescript.js";
import { sdkBindings } from "./sdk-bindings.js";
import { skipTypeWrappers } from "./skip-type-wrappers.js";

export type { DefinitionProblem } from "./read-context.js";

export interface DefinitionReading {
  /** What the script declares. Null for a plain script, and whenever there are problems. */
  definition: ScriptDescription | null;
  /** Whether the script uses the SDK's defineScript (or could: a misuse counts). */
  usesDefineScript: boolean;
  /** In source order. Any problem means the script's definition is unknown: do not run it. */
  problems: DefinitionProblem[];
}

type OptionReader = (ctx: ReadContext, value: TypeScript.Node, into: ScriptDescription) => void;

/** How each option is read; typed by the SDK's ScriptDefinition, so a new option cannot go unread. */
const OPTIONS: { [K in keyof ScriptDefinition]-?: OptionReader } = {
  description: (ctx, value, into) => {
    into.description = readLiteral(ctx, value, "string", "description") ?? null;
  },
  inputs: (ctx, value, into) => {
    into.inputs = readInputs(ctx, value);
  },
  concurrency: (ctx, value, into) => {
    into.concurrency = readConcurrency(ctx, value) ?? DEFAULT_CONCURRENCY;
  },
  timeout: (ctx, value, into) => {
    into.timeoutMs = readTimeout(ctx, value);
  },
  env: (ctx, value, into) => {
    into.env = readEnv(ctx, value) ?? null;
  },
  schedule: (ctx, value, into) => {
    into.schedule = readSchedule(ctx, value);
  },
  // Code: it runs in `execute`, nothing here reads it.
  run: () => {},
};

/**
 * What a script declares with `export default defineScript({ … })`, read from its source
 * without running anything: the file is parsed (never type-checked or executed) and the
 * definition must be literals. Equals describeScript's result for the same definition.
 * `fileName` picks the syntax (.ts, .mts, .js, .mjs) and nothing is read from disk.
 */
export function readScriptDefinition(source: string, fileName: string): DefinitionReading {
  const ts = requireTypeScript();
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const sdk = sdkBindings(ts, file);
  const { calls, misuses } = findDefineScriptCalls(ts, file, sdk);
  const usesDefineScript = calls.length > 0 || misuses.length > 0;
  const syntaxErrors = parseErrors(ts, file);
  if (syntaxErrors.length > 0) return { definition: null, usesDefineScript, problems: syntaxErrors };

  const ctx: ReadContext = { ts, file, sdk, problems: misuses };
  const [call, ...others] = calls;
  if (call === undefined) return { definition: null, usesDefineScript, problems: sorted(ctx.problems) };
  const firstLine = file.getLineAndCharacterOfPosition(call.getStart(file)).line + 1;
  for (const other of others) report(ctx, other, `call defineScript once per script (the first call is on line ${firstLine})`);
  if (!isDefaultExport(ts, call)) report(ctx, call, "defineScript must be the default export: write `export default defineScript({ … })`");
  const definition = readDefinition(ctx, call);
  return { definition: ctx.problems.length === 0 ? definition : null, usesDefineScript, problems: sorted(ctx.problems) };
}

function readDefinition(ctx: ReadContext, call: TypeScript.CallExpression): ScriptDescription | null {
  const [argument, ...extra] = call.arguments;
  const object = argument === undefined || extra.length > 0 ? undefined : skipTypeWrappers(ctx.ts, argument);
  if (object === undefined || !ctx.ts.isObjectLiteralExpression(object)) {
    report(ctx, call, `defineScript takes one object literal: defineScript({ description, inputs, run }): ${LITERALS_ONLY}`);
    return null;
  }
  const description: ScriptDescription = { description: null, inputs: {}, concurrency: DEFAULT_CONCURRENCY, timeoutMs: null, env: null, schedule: null };
  const properties = objectProperties(ctx, object, "defineScript");
  for (const { name, node, value } of properties) {
    if (Object.hasOwn(OPTIONS, name)) OPTIONS[name as keyof typeof OPTIONS](ctx, value, description);
    else report(ctx, node, `defineScript has no option \`${name}\` (it has ${Object.keys(OPTIONS).join(", ")})`);
  }
  if (!properties.some((property) => property.name === "run")) report(ctx, object, "defineScript needs `run`, the function that does the work");
  return description;
}

function readConcurrency(ctx: ReadContext, node: TypeScript.Node): Concurrency | undefined {
  const value = readLiteral(ctx, node, "string", "concurrency");
  if (value === undefined || isConcurrency(value)) return value;
  report(ctx, node, `concurrency must be one of ${CONCURRENCY.join(", ")}, not ${JSON.stringify(value)}`);
  return undefined;
}

function readTimeout(ctx: ReadContext, node: TypeScript.Node): number | null {
  const value = readLiteral(ctx, node, "duration", "timeout");
  if (value === undefined) return null;
  try {
    return parseDuration(value);
  } catch (error) {
    report(ctx, node, `timeout: ${(error as Error).message}`);
    return null;
  }
}

function readInputs(ctx: ReadContext, node: TypeScript.Node): ScriptDescription["inputs"] {
  const object = skipTypeWrappers(ctx.ts, node);
  const inputs: ScriptDescription["inputs"] = {};
  if (!ctx.ts.isObjectLiteralExpression(object)) {
    report(ctx, node, `inputs must be an object literal like { limit: int({ default: 100 }) }: ${LITERALS_ONLY}`);
    return inputs;
  }
  for (const { name, value } of objectProperties(ctx, object, "inputs")) {
    const input = readInput(ctx, value, `inputs.${name}`);
    if (input !== undefined) inputs[name] = input;
  }
  return inputs;
}

/** `export default defineScript(…)`, through erased wrappers such as parentheses or `satisfies`. */
function isDefaultExport(ts: ReadContext["ts"], call: TypeScript.CallExpression): boolean {
  let node: TypeScript.Node = call;
  while (skipTypeWrappers(ts, node.parent) !== node.parent) node = node.parent;
  return ts.isExportAssignment(node.parent) && !node.parent.isExportEquals;
}

/**
 * The parser's errors. The compiler API exposes them only through a Program; a bare source
 * file keeps them in `parseDiagnostics` (what typescript-eslint reads too).
 */
function parseErrors(ts: ReadContext["ts"], file: TypeScript.SourceFile): DefinitionProblem[] {
  const diagnostics = (file as unknown as { parseDiagnostics: readonly TypeScript.DiagnosticWithLocation[] }).parseDiagnostics;
  return diagnostics.map((d) => {
    const { line, character } = file.getLineAndCharacterOfPosition(d.start);
    return { line: line + 1, column: character + 1, message: ts.flattenDiagnosticMessageText(d.messageText, "\n") };
  });
}

function sorted(problems: DefinitionProblem[]): DefinitionProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
}
