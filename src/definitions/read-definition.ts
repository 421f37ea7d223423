import type * as TypeScript from "typescript";
import type { ScriptDefinition } from "../sdk/define-script.js";
import { CONCURRENCY, DEFAULT_CONCURRENCY, DEFAULT_STEP_TIMEOUT_MS, isConcurrency, type Concurrency, type ScriptDescription } from "../sdk/protocol.js";
import type { IterationDefinition } from "../sdk/iteration-types.js";
import type { WorkflowDefinition } from "../sdk/workflow-types.js";
import { findDefineScriptCalls, type DefineCall, type Definer } from "./find-define-script-calls.js";
import { objectProperties } from "./object-properties.js";
import { LITERALS_ONLY, report, type DefinitionProblem, type ReadContext } from "./read-context.js";
import { readApproval } from "./read-approval.js";
import { readDuration } from "./read-duration.js";
import { readEnv } from "./read-env.js";
import { readInput } from "./read-input.js";
import { finishIteration, ITERATION_OPTIONS, newIterationDraft, reportStrayCsvRows, type IterationDraft } from "./read-iteration.js";
import { readLiteral } from "./read-literal.js";
import { readSchedule } from "./read-schedule.js";
import { claimSteps, readSteps, type StepReading } from "./read-steps.js";
import { requireTypeScript } from "./require-typescript.js";
import { sdkBindings } from "./sdk-bindings.js";
import { skipTypeWrappers } from "./skip-type-wrappers.js";

export type { DefinitionProblem } from "./read-context.js";

export interface DefinitionReading {
  /** What the script declares. Null for a plain script, and whenever there are problems. */
  definition: ScriptDescription | null;
  /** Whether the script uses the SDK's defineScript, defineWorkflow or step (or could: a misuse counts). */
  usesDefineScript: boolean;
  /** In source order. Any problem means the script's definition is unknown: do not run it. */
  problems: DefinitionProblem[];
}

/** A definition as it is read: the description, and for a workflow its steps and stepTimeout until they are put together. */
interface Draft {
  description: ScriptDescription;
  steps: StepReading[] | undefined;
  stepTimeoutMs: number | null;
  /** The step() calls read as steps. */
  taken: Set<TypeScript.CallExpression>;
  /** An iteration's options (defineScript with `collection`). */
  iteration: IterationDraft;
}

type OptionReader = (ctx: ReadContext, value: TypeScript.Node, into: Draft) => void;

/** What defineScript and defineWorkflow share, read the same way. */
const SHARED = {
  description: (ctx, value, into) => {
    into.description.description = readLiteral(ctx, value, "string", "description") ?? null;
  },
  inputs: (ctx, value, into) => {
    into.description.inputs = readInputs(ctx, value);
  },
  concurrency: (ctx, value, into) => {
    into.description.concurrency = readConcurrency(ctx, value) ?? DEFAULT_CONCURRENCY;
  },
  timeout: (ctx, value, into) => {
    into.description.timeoutMs = readDuration(ctx, value, "timeout");
  },
  env: (ctx, value, into) => {
    into.description.env = readEnv(ctx, value) ?? null;
  },
  schedule: (ctx, value, into) => {
    into.description.schedule = readSchedule(ctx, value);
  },
  approval: (ctx, value, into) => {
    into.description.approval = readApproval(ctx, value);
  },
} satisfies Record<keyof ScriptDefinition & keyof WorkflowDefinition, OptionReader>;

/** How each option is read, by definer; typed by the SDK's ScriptDefinition and WorkflowDefinition, so a new option cannot go unread. */
const OPTIONS: {
  defineScript: { [K in keyof ScriptDefinition | keyof IterationDefinition<unknown, unknown, unknown>]-?: OptionReader };
  defineWorkflow: { [K in keyof WorkflowDefinition]-?: OptionReader };
} = {
  defineScript: {
    ...SHARED,
    // Code: it runs in `execute`, nothing here reads it.
    run: () => {},
    // An iteration: `collection` and `process` instead of `run`.
    ...(Object.fromEntries(
      Object.entries(ITERATION_OPTIONS).map(([name, read]) => [
        name,
        (ctx: ReadContext, value: TypeScript.Node, into: Draft) => read(ctx, value, into.iteration),
      ]),
    ) as Record<keyof IterationDefinition<unknown, unknown, unknown>, OptionReader>),
  },
  defineWorkflow: {
    ...SHARED,
    // Values and code made when the script runs (state may be a function of the inputs): nothing here reads them.
    state: () => {},
    observers: () => {},
    steps: (ctx, value, into) => {
      into.steps = readSteps(ctx, value, into.taken);
    },
    stepTimeout: (ctx, value, into) => {
      into.stepTimeoutMs = readDuration(ctx, value, "stepTimeout");
    },
  },
};

/** What each definer cannot do without, and why (the SDK refuses the definition without it too). */
const REQUIRED: Record<Definer, { option: string; why: string }[]> = {
  defineScript: [{ option: "run", why: "the function that does the work" }],
  defineWorkflow: [
    { option: "state", why: "the JSON value the first step starts from, or a function of the inputs that returns one" },
    { option: "steps", why: 'the steps it runs in order, like [step({ name: "charge", run, rollback })]' },
  ],
};

/** What an iteration (defineScript with `collection`) cannot do without. */
const ITERATION_REQUIRED = [
  { option: "collection", why: 'what it goes through: a function that yields { item, cursor } (an async generator), or csvRows("input")' },
  { option: "process", why: "the function that handles one item" },
];

/**
 * What a script declares with `export default defineScript({ … })` or `export default
 * defineWorkflow({ … })`, read from its source without running anything: the file is parsed
 * (never type-checked or executed) and the definition must be literals. Equals describeScript's
 * result for the same definition. `fileName` picks the syntax (.ts, .mts, .js, .mjs) and
 * nothing is read from disk.
 */
export function readScriptDefinition(source: string, fileName: string): DefinitionReading {
  const ts = requireTypeScript();
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const sdk = sdkBindings(ts, file);
  const { calls, stepCalls, misuses } = findDefineScriptCalls(ts, file, sdk);
  const usesDefineScript = calls.length > 0 || stepCalls.length > 0 || misuses.length > 0;
  const syntaxErrors = parseErrors(ts, file);
  if (syntaxErrors.length > 0) return { definition: null, usesDefineScript, problems: syntaxErrors };

  const ctx: ReadContext = { ts, file, sdk, problems: misuses };
  const [first, ...others] = calls;
  const taken = new Set<TypeScript.CallExpression>();
  const csv: { call: TypeScript.CallExpression | null } = { call: null };
  const definition = first === undefined ? null : readFirst(ctx, first, others, taken, csv);
  reportStrayCsvRows(ctx, csv.call);
  // A step() the definition does not hold as one of its steps would never run as one.
  for (const call of stepCalls) {
    if (!taken.has(call)) report(ctx, call, `call step only as an element of defineWorkflow's steps: \`steps: [step({ … })]\`: ${LITERALS_ONLY}`);
  }
  return { definition: ctx.problems.length === 0 ? definition : null, usesDefineScript, problems: sorted(ctx.problems) };
}

function readFirst(
  ctx: ReadContext,
  first: DefineCall,
  others: readonly DefineCall[],
  taken: Set<TypeScript.CallExpression>,
  csv: { call: TypeScript.CallExpression | null },
): ScriptDescription | null {
  const { file } = ctx;
  const firstLine = lineOf(file, first.call);
  for (const other of [first, ...others]) for (const argument of other.call.arguments) claimSteps(ctx, argument, taken);
  reportSecondDefaultExports(ctx);
  for (const other of others) {
    report(
      ctx,
      other.call,
      other.definer === first.definer
        ? `call ${other.definer} once per script (the first call is on line ${firstLine})`
        : `a script has one definition: this ${other.definer} comes after the ${first.definer} on line ${firstLine}`,
    );
  }
  if (!isDefaultExport(ctx.ts, first.call)) {
    report(ctx, first.call, `${first.definer} must be the default export: write \`export default ${first.definer}({ … })\``);
  }
  return readDefinition(ctx, first, taken, csv);
}

function readDefinition(
  ctx: ReadContext,
  { definer, call }: DefineCall,
  taken: Set<TypeScript.CallExpression>,
  csv: { call: TypeScript.CallExpression | null },
): ScriptDescription | null {
  const [argument, ...extra] = call.arguments;
  const object = argument === undefined || extra.length > 0 ? undefined : skipTypeWrappers(ctx.ts, argument);
  if (object === undefined || !ctx.ts.isObjectLiteralExpression(object)) {
    const shape = definer === "defineScript" ? "defineScript({ description, inputs, run })" : "defineWorkflow({ description, state, steps })";
    report(ctx, call, `${definer} takes one object literal: ${shape}: ${LITERALS_ONLY}`);
    return null;
  }
  const description: ScriptDescription = {
    description: null,
    inputs: {},
    concurrency: DEFAULT_CONCURRENCY,
    timeoutMs: null,
    env: null,
    schedule: null,
    workflow: null,
    approval: null,
    iteration: null,
  };
  const draft: Draft = { description, steps: undefined, stepTimeoutMs: null, taken, iteration: newIterationDraft() };
  const options: Readonly<Record<string, OptionReader>> = OPTIONS[definer];
  const properties = objectProperties(ctx, object, definer);
  for (const { name, node, value } of properties) {
    if (Object.hasOwn(options, name)) options[name]!(ctx, value, draft);
    else report(ctx, node, `${definer} has no option \`${name}\` (it has ${Object.keys(options).join(", ")})`);
  }
  csv.call = draft.iteration.csvCall;
  const has = (option: string): boolean => properties.some((property) => property.name === option);
  const iteration = definer === "defineScript" && (has("collection") || has("process"));
  for (const { option, why } of iteration ? ITERATION_REQUIRED : REQUIRED[definer]) {
    if (!has(option)) report(ctx, object, `${definer} needs \`${option}\`, ${why}`);
  }
  if (iteration && has("run")) {
    report(ctx, object, "defineScript: give either `run` (a script) or `collection` and `process` (an iteration), not both");
  }
  if (!iteration) {
    for (const option of Object.keys(ITERATION_OPTIONS).filter(has)) {
      report(
        ctx,
        properties.find((property) => property.name === option)!.node,
        `\`${option}\` is an iteration's option: give \`collection\` and \`process\` instead of \`run\``,
      );
    }
  }
  if (iteration) description.iteration = finishIteration(ctx, draft.iteration, description.inputs, object);
  if (definer === "defineWorkflow") {
    // As describeScript has it: a step's own timeout, else the workflow's stepTimeout, else the default.
    const steps = (draft.steps ?? []).map((step) => ({ ...step, timeoutMs: step.timeoutMs ?? draft.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS }));
    description.workflow = { steps };
  }
  return description;
}

function readConcurrency(ctx: ReadContext, node: TypeScript.Node): Concurrency | undefined {
  const value = readLiteral(ctx, node, "string", "concurrency");
  if (value === undefined || isConcurrency(value)) return value;
  report(ctx, node, `concurrency must be one of ${CONCURRENCY.join(", ")}, not ${JSON.stringify(value)}`);
  return undefined;
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

/** `export default …`, `export default function`, `export { x as default }`: esbuild refuses a second one, and so does the reader. */
function reportSecondDefaultExports(ctx: ReadContext): void {
  const { ts, file } = ctx;
  const defaults: TypeScript.Node[] = [];
  for (const statement of file.statements) {
    if (ts.isExportAssignment(statement) && !statement.isExportEquals) defaults.push(statement);
    const modifiers = ts.canHaveModifiers(statement) && !ts.isInterfaceDeclaration(statement) ? (ts.getModifiers(statement) ?? []) : [];
    if (modifiers.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword) && modifiers.some((m) => m.kind === ts.SyntaxKind.ExportKeyword))
      defaults.push(statement);
    if (ts.isExportDeclaration(statement) && !statement.isTypeOnly && statement.exportClause !== undefined && ts.isNamedExports(statement.exportClause)) {
      defaults.push(...statement.exportClause.elements.filter((element) => !element.isTypeOnly && element.name.text === "default"));
    }
  }
  const [first, ...more] = defaults;
  for (const other of more) report(ctx, other, `a module has one default export: this is a second one (the first is on line ${lineOf(file, first!)})`);
}

function lineOf(file: TypeScript.SourceFile, node: TypeScript.Node): number {
  return file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
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
