import type * as TypeScript from "typescript";
import { MAX_WORKFLOW_STEPS } from "../sdk/protocol.js";
import type { StepDefinition } from "../sdk/workflow-types.js";
import { objectProperties } from "./object-properties.js";
import { LITERALS_ONLY, report, type ReadContext } from "./read-context.js";
import { readDuration } from "./read-duration.js";
import { readLiteral } from "./read-literal.js";
import { sdkExportName } from "./sdk-bindings.js";
import { skipTypeWrappers } from "./skip-type-wrappers.js";
import { whatItIs } from "./what-it-is.js";

/** The longest step name: it names the step in the log, its diagram, the check and the test helpers. */
export const MAX_STEP_NAME_LENGTH = 100;

/** A step as its source declares it; `timeoutMs` is its own `timeout`, null when it names none (the workflow's then applies). */
export interface StepReading {
  name: string;
  rollback: boolean;
  timeoutMs: number | null;
}

interface StepDraft {
  name?: string;
  nameNode?: TypeScript.Node;
  rollback: boolean;
  timeoutMs: number | null;
}

type StepOptionReader = (ctx: ReadContext, value: TypeScript.Node, into: StepDraft, label: string) => void;

/** How each option of a step is read; typed by the SDK's StepDefinition, so a new option cannot go unread. */
const STEP_OPTIONS: { [K in keyof StepDefinition<unknown>]-?: StepOptionReader } = {
  name: (ctx, value, into, label) => {
    into.name = readName(ctx, value, `${label}.name`);
    into.nameNode = value;
  },
  // Code: it runs in `execute`; only that it is there is read.
  run: (ctx, value, _, label) => {
    isFunctionLike(ctx, value, `${label}.run`, "");
  },
  rollback: (ctx, value, into, label) => {
    into.rollback = isFunctionLike(ctx, value, `${label}.rollback`, "; leave it out for a step without one");
  },
  timeout: (ctx, value, into, label) => {
    into.timeoutMs = readDuration(ctx, value, `${label}.timeout`);
  },
};

const EXAMPLE = '[step({ name: "charge", run, rollback })]';

/**
 * A workflow's `steps`: an array literal whose elements are `step({ … })` calls (the SDK's) or
 * object literals, each with a literal `name` unique in the workflow, a `run`, and optionally a
 * `rollback` and a literal `timeout`. Each problem is at what it is about. The step() calls it
 * reads are added to `taken` (any other is a misuse). Undefined when `steps` is no array literal.
 */
export function readSteps(ctx: ReadContext, node: TypeScript.Node, taken: Set<TypeScript.CallExpression>): StepReading[] | undefined {
  const { ts } = ctx;
  const array = skipTypeWrappers(ts, node);
  if (!ts.isArrayLiteralExpression(array)) {
    report(ctx, node, `steps must be an array literal like ${EXAMPLE}, not ${whatItIs(ts, array)}: ${LITERALS_ONLY}`);
    return undefined;
  }
  const { elements } = array;
  if (elements.length === 0) report(ctx, array, `a workflow needs at least one step: write them in the array, like ${EXAMPLE}`);
  if (elements.length > MAX_WORKFLOW_STEPS) {
    report(
      ctx,
      elements[MAX_WORKFLOW_STEPS]!,
      `a workflow has at most ${MAX_WORKFLOW_STEPS} steps, this one has ${elements.length}: split it into several workflows`,
    );
  }
  const steps: StepReading[] = [];
  const named = new Map<string, number>();
  elements.forEach((element, i) => {
    // Past the limit, steps are not read (the workflow is refused already), only claimed: they are no misuse of step().
    const draft = i < MAX_WORKFLOW_STEPS ? readStep(ctx, element, `steps[${i}]`, taken) : void claimStep(ctx, element, taken);
    if (draft?.name === undefined) return;
    const first = named.get(draft.name);
    if (first !== undefined) {
      report(ctx, draft.nameNode!, `steps[${i}]: the name ${JSON.stringify(draft.name)} is taken by steps[${first}]: give each step its own name`);
      return;
    }
    named.set(draft.name, i);
    steps.push({ name: draft.name, rollback: draft.rollback, timeoutMs: draft.timeoutMs });
  });
  return steps;
}

function readStep(ctx: ReadContext, element: TypeScript.Node, label: string, taken: Set<TypeScript.CallExpression>): StepDraft | undefined {
  const { ts } = ctx;
  const value = skipTypeWrappers(ts, element);
  const call = claimStep(ctx, element, taken);
  if (call === undefined && !ts.isObjectLiteralExpression(value)) {
    report(ctx, element, `${label} must be step({ name, run, rollback }) or an object literal, not ${whatItIs(ts, value)}: ${LITERALS_ONLY}`);
    return undefined;
  }
  let object = value;
  if (call !== undefined) {
    const [argument, ...extra] = call.arguments;
    if (extra[0] !== undefined) report(ctx, extra[0], `${label}: step() takes one argument, the step`);
    object = argument === undefined ? call : skipTypeWrappers(ts, argument);
    if (!ts.isObjectLiteralExpression(object)) {
      report(ctx, argument ?? call, `${label}: step() takes an object literal like step({ name: "charge", run, rollback }): ${LITERALS_ONLY}`);
      return undefined;
    }
  }
  const draft: StepDraft = { rollback: false, timeoutMs: null };
  const before = ctx.problems.length;
  const properties = objectProperties(ctx, object as TypeScript.ObjectLiteralExpression, label);
  // A property it could not take (`["name"]: …`, `get run()`) is said already: not again as a missing one.
  if (ctx.problems.length > before) return draft;
  for (const { name, node, value: option } of properties) {
    if (Object.hasOwn(STEP_OPTIONS, name)) STEP_OPTIONS[name as keyof typeof STEP_OPTIONS](ctx, option, draft, label);
    else report(ctx, node, `${label}: a step has no option \`${name}\` (it has ${Object.keys(STEP_OPTIONS).join(", ")})`);
  }
  const has = (option: string) => properties.some((property) => property.name === option);

  if (!has("name")) report(ctx, object, `${label} needs \`name\`, unique in the workflow: the log, the check and the test helpers name the step by it`);
  if (!has("run")) report(ctx, object, `${label} needs \`run\`, the function that does the step's work`);
  return draft;
}

/**
 * Takes the step() calls written as elements of the `steps` of a definition it does not read (a
 * second defineWorkflow, a second `steps`): they are no misuse of step(), the definition is.
 */
export function claimSteps(ctx: ReadContext, definition: TypeScript.Node, taken: Set<TypeScript.CallExpression>): void {
  const { ts } = ctx;
  const object = skipTypeWrappers(ts, definition);
  if (!ts.isObjectLiteralExpression(object)) return;
  for (const property of object.properties) {
    if (!ts.isPropertyAssignment(property) || !(ts.isIdentifier(property.name) || ts.isStringLiteral(property.name)) || property.name.text !== "steps")
      continue;
    const array = skipTypeWrappers(ts, property.initializer);
    if (ts.isArrayLiteralExpression(array)) for (const element of array.elements) claimStep(ctx, element, taken);
  }
}

/** The SDK's step(…) call at `element`, now taken by the reader; undefined when it is none. */
function claimStep(ctx: ReadContext, element: TypeScript.Node, taken: Set<TypeScript.CallExpression>): TypeScript.CallExpression | undefined {
  const value = skipTypeWrappers(ctx.ts, element);
  if (!ctx.ts.isCallExpression(value) || sdkExportName(ctx.ts, ctx.sdk, value.expression) !== "step") return undefined;
  taken.add(value);
  return value;
}

/** A step's name: a literal string, not empty, not too long, on one line and without invisible characters (it is shown in Markdown, logs and diagrams). */
function readName(ctx: ReadContext, node: TypeScript.Node, label: string): string | undefined {
  const name = readLiteral(ctx, node, "string", label);
  if (name === undefined) return undefined;
  let problem: string | null = null;
  if (name.trim() === "") problem = "must not be empty";
  else if (name.length > MAX_STEP_NAME_LENGTH) problem = `is ${name.length} characters long: at most ${MAX_STEP_NAME_LENGTH}`;
  else if (/[\p{Cc}\p{Cf}\u2028\u2029]/u.test(name)) problem = "must be plain text on one line: no line breaks, control or invisible formatting characters";
  if (problem === null) return name;
  report(ctx, node, `${label} ${problem}`);
  return undefined;
}

/**
 * Whether `node` can be the function it must be: code written there or named (a function, an
 * arrow, a method, a name, a member, a call that makes one). A literal, `null`, `undefined`,
 * `void …` never is, and a condition (`a ? f : undefined`, `f ?? g`) may not be: whether a step
 * has a rollback is read without running the script. Either is a problem about `label`; `hint` ends the first kind's message.
 */
function isFunctionLike(ctx: ReadContext, node: TypeScript.Node, label: string, hint: string): boolean {
  const { ts } = ctx;
  const value = skipTypeWrappers(ts, node);
  const notOne =
    (ts.isIdentifier(value) && value.text === "undefined") ||
    ts.isVoidExpression(value) ||
    ts.isLiteralExpression(value) ||
    ts.isTemplateExpression(value) ||
    ts.isObjectLiteralExpression(value) ||
    ts.isArrayLiteralExpression(value) ||
    [ts.SyntaxKind.NullKeyword, ts.SyntaxKind.TrueKeyword, ts.SyntaxKind.FalseKeyword].includes(value.kind);
  const conditional = ts.isConditionalExpression(value) || ts.isBinaryExpression(value);
  if (notOne) report(ctx, node, `${label} must be a function${hint}`);
  else if (conditional) report(ctx, node, `${label} must be a function written here or named, not ${whatItIs(ts, value)}: ${LITERALS_ONLY}`);
  return !notOne && !conditional;
}
