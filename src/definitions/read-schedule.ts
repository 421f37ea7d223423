import type * as TypeScript from "typescript";
import { describeSchedule, ScheduleOptionError } from "../sdk/describe-schedule.js";
import type { ScheduleDescription } from "../sdk/protocol.js";
import { objectProperties } from "./object-properties.js";
import { LITERALS_ONLY, report, type ReadContext } from "./read-context.js";
import { readLiteral, type LiteralKind } from "./read-literal.js";
import { skipTypeWrappers } from "./skip-type-wrappers.js";

/** The literal kind of each option the reader knows; describeSchedule judges what they hold (and refuses options it does not know). */
const KINDS: Partial<Record<string, LiteralKind>> = {
  cron: "string",
  timezone: "string",
  every: "duration",
  retryOn: "strings",
  overlap: "string",
  catchUp: "string",
  "retries.attempts": "number",
  "retries.backoff": "string",
  "retries.delay": "duration",
};

/**
 * A chore's `schedule`, read from its literal and described by describeSchedule (the SDK's own
 * function, so it equals describeScript's), or null when it cannot be read. Each problem is at
 * the option it is about (`cron: …`, `attempts: …`), or at `schedule` for the whole of it.
 */
export function readSchedule(ctx: ReadContext, node: TypeScript.Node): ScheduleDescription | null {
  const before = ctx.problems.length;
  const places = new Map<string, TypeScript.Node>([["", node]]);
  const definition = readObject(ctx, node, "", places);
  if (definition === undefined || ctx.problems.length > before) return null;
  try {
    return describeSchedule(definition);
  } catch (error) {
    if (!(error instanceof ScheduleOptionError)) throw error;
    report(ctx, places.get(error.option) ?? node, error.message);
    return null;
  }
}

/**
 * The object literal at `node` as plain values (`path` is where it is in the schedule: "",
 * "retries", "inputs"), recording where each option is written in `places`. An option it does
 * not know is kept (as undefined) for describeSchedule to refuse by name.
 */
function readObject(ctx: ReadContext, node: TypeScript.Node, path: string, places: Map<string, TypeScript.Node>): Record<string, unknown> | undefined {
  const object = skipTypeWrappers(ctx.ts, node);
  const label = path === "" ? "schedule" : `schedule.${path}`;
  if (!ctx.ts.isObjectLiteralExpression(object)) {
    report(
      ctx,
      node,
      `${label} must be an object literal like ${path === "" ? '{ cron: "0 3 * * *" }' : path === "retries" ? '{ attempts: 3, delay: "1m" }' : "{ limit: 10 }"}: ${LITERALS_ONLY}`,
    );
    return undefined;
  }
  const values: Record<string, unknown> = {};
  for (const { name, node: property, value } of objectProperties(ctx, object, label)) {
    const option = path === "" ? name : `${path}.${name}`;
    places.set(option, property);
    if (path === "" && (name === "retries" || name === "inputs")) values[name] = readObject(ctx, value, name, places);
    else if (path === "inputs") values[name] = readScalar(ctx, value, `schedule.${option}`);
    else {
      const kind = KINDS[option];
      values[name] = kind === undefined ? undefined : readLiteral(ctx, value, kind, `schedule.${option}`);
    }
  }
  return values;
}

/** An input's value: a string, number or boolean literal. */
function readScalar(ctx: ReadContext, node: TypeScript.Node, label: string): string | number | boolean | undefined {
  const { ts } = ctx;
  const value = skipTypeWrappers(ts, node);
  if (ts.isStringLiteral(value) || ts.isNoSubstitutionTemplateLiteral(value)) return value.text;
  if (value.kind === ts.SyntaxKind.TrueKeyword || value.kind === ts.SyntaxKind.FalseKeyword) return value.kind === ts.SyntaxKind.TrueKeyword;
  if (ts.isNumericLiteral(value) || (ts.isPrefixUnaryExpression(value) && value.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(value.operand))) {
    return readLiteral(ctx, node, "number", label);
  }
  report(ctx, node, `${label} must be a literal string, number or boolean: ${LITERALS_ONLY}`);
  return undefined;
}
