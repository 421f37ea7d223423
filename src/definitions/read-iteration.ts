import type * as TypeScript from "typescript";
import { describeIteration, IterationOptionError } from "../sdk/describe-iteration.js";
import type { IterationDefinition } from "../sdk/iteration-types.js";
import type { IterationDescription, ScriptDescription } from "../sdk/protocol.js";
import { LITERALS_ONLY, report, type ReadContext } from "./read-context.js";
import { readDuration } from "./read-duration.js";
import { readLiteral } from "./read-literal.js";
import { isValueReference, sdkExportName } from "./sdk-bindings.js";
import { skipTypeWrappers } from "./skip-type-wrappers.js";

/** An iteration's options as they are read, until they are put together (see finishIteration). */
export interface IterationDraft {
  batchSize?: number;
  pauseMs?: number;
  counted: boolean;
  csv: string | null;
  /** Where each option is, for problems about it. */
  places: Map<string, TypeScript.Node>;
  /** The csvRows() call read as the collection. */
  csvCall: TypeScript.CallExpression | null;
}

export const newIterationDraft = (): IterationDraft => ({ counted: false, csv: null, places: new Map(), csvCall: null });

type IterationOptionReader = (ctx: ReadContext, value: TypeScript.Node, into: IterationDraft) => void;

/** How each iteration option of defineScript is read; typed by the SDK's IterationDefinition, so a new option cannot go unread. */
export const ITERATION_OPTIONS: { [K in keyof IterationDefinition<unknown, unknown, unknown>]-?: IterationOptionReader } = {
  collection: (ctx, value, into) => {
    into.places.set("collection", value);
    const node = skipTypeWrappers(ctx.ts, value);
    if (ctx.ts.isCallExpression(node) && sdkExportName(ctx.ts, ctx.sdk, node.expression) === "csvRows") {
      into.csvCall = node;
      const [argument, ...extra] = node.arguments;
      if (argument === undefined || extra.length > 0) return report(ctx, node, 'csvRows takes one argument, the name of a file input: csvRows("codes")');
      const name = readLiteral(ctx, argument, "string", "csvRows's input");
      if (name === undefined) return;
      into.csv = name;
      into.places.set("csv", argument);
      into.counted = true;
      return;
    }
    notAFunction(ctx, value, "collection", ' that yields { item, cursor }, or csvRows("input")');
  },
  process: (ctx, value) => notAFunction(ctx, value, "process", ", the function that handles one item"),
  batchSize: (ctx, value, into) => {
    into.places.set("batchSize", value);
    into.batchSize = readLiteral(ctx, value, "number", "batchSize");
  },
  pause: (ctx, value, into) => {
    into.places.set("pause", value);
    into.pauseMs = readDuration(ctx, value, "pause") ?? undefined;
  },
  count: (ctx, value, into) => {
    into.places.set("count", value);
    into.counted = !notAFunction(ctx, value, "count", " of the inputs that returns how many items there are");
  },
};

/**
 * The iteration's description from what was read, judged by describeIteration (the SDK's own
 * function, so it equals describeScript's); a CSV collection's input must be a declared file
 * input. Null when anything is wrong (each problem at its option).
 */
export function finishIteration(
  ctx: ReadContext,
  draft: IterationDraft,
  inputs: ScriptDescription["inputs"],
  at: TypeScript.Node,
): IterationDescription | null {
  const before = ctx.problems.length;
  let description: IterationDescription | null = null;
  try {
    description = describeIteration({
      batchSize: draft.batchSize,
      ...(draft.pauseMs === undefined ? {} : { pause: `${draft.pauseMs}ms` }),
      ...(draft.counted && draft.csv === null ? { count: () => 0 } : {}),
    });
  } catch (error) {
    if (!(error instanceof IterationOptionError)) throw error;
    report(ctx, draft.places.get(error.option) ?? at, error.message);
  }
  if (draft.csv !== null && inputs[draft.csv]?.type !== "file") {
    report(
      ctx,
      draft.places.get("csv") ?? at,
      `csvRows(${JSON.stringify(draft.csv)}) reads the file input ${JSON.stringify(draft.csv)}: declare it, inputs: { ${draft.csv}: file() }`,
    );
  }
  if (description === null || ctx.problems.length > before) return null;
  return { ...description, counted: draft.counted, csv: draft.csv };
}

/** Every use of the SDK's csvRows other than the collection read (`const rows = csvRows("f")`): a CSV read that way could not be shown. */
export function reportStrayCsvRows(ctx: ReadContext, taken: TypeScript.CallExpression | null): void {
  const { ts } = ctx;
  const visit = (node: TypeScript.Node): void => {
    if (ts.isImportDeclaration(node) || (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined)) return;
    if (ts.isTypeNode(node) && !ts.isExpressionWithTypeArguments(node)) return;
    const isReference = !ts.isIdentifier(node) || isValueReference(ts, node);
    if (isReference && sdkExportName(ts, ctx.sdk, node) === "csvRows" && !(taken !== null && taken.expression === node)) {
      report(ctx, node, `call csvRows only as an iteration's collection: \`collection: csvRows("input")\`: ${LITERALS_ONLY}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(ctx.file);
}

/** A value that cannot be the function it must be (a literal, null, undefined) is a problem; true when it is one. */
function notAFunction(ctx: ReadContext, node: TypeScript.Node, label: string, hint: string): boolean {
  const { ts } = ctx;
  const value = skipTypeWrappers(ts, node);
  const not =
    (ts.isIdentifier(value) && value.text === "undefined") ||
    ts.isVoidExpression(value) ||
    ts.isLiteralExpression(value) ||
    ts.isTemplateExpression(value) ||
    ts.isObjectLiteralExpression(value) ||
    ts.isArrayLiteralExpression(value) ||
    [ts.SyntaxKind.NullKeyword, ts.SyntaxKind.TrueKeyword, ts.SyntaxKind.FalseKeyword].includes(value.kind);
  if (not) report(ctx, node, `${label} must be a function${hint}`);
  return not;
}
