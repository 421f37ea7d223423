import type * as TypeScript from "typescript";
import { ApprovalOptionError, describeApproval } from "../sdk/describe-approval.js";
import type { ApprovalDefinition } from "../sdk/define-script.js";
import type { ApprovalDescription } from "../sdk/protocol.js";
import { objectProperties } from "./object-properties.js";
import { LITERALS_ONLY, report, type ReadContext } from "./read-context.js";
import { readLiteral, type LiteralKind } from "./read-literal.js";
import { skipTypeWrappers } from "./skip-type-wrappers.js";

/** The literal kind of each option; describeApproval judges what they hold (and refuses options it does not know). */
const KINDS: Partial<Record<string, LiteralKind>> = { count: "number", timeout: "duration" };

/**
 * A script's `approval`, read from its literal and described by describeApproval (the SDK's
 * own function, so it equals describeScript's), or null when it cannot be read. Each problem
 * is at the option it is about, or at `approval` for the whole of it.
 */
export function readApproval(ctx: ReadContext, node: TypeScript.Node): ApprovalDescription | null {
  const object = skipTypeWrappers(ctx.ts, node);
  if (!ctx.ts.isObjectLiteralExpression(object)) {
    report(ctx, node, `approval must be an object literal like { count: 1, timeout: "2d" }: ${LITERALS_ONLY}`);
    return null;
  }
  const before = ctx.problems.length;
  const places = new Map<string, TypeScript.Node>([["", node]]);
  const values: Record<string, unknown> = {};
  for (const { name, node: property, value } of objectProperties(ctx, object, "approval")) {
    places.set(name, property);
    const kind = KINDS[name];
    values[name] = kind === undefined ? undefined : readLiteral(ctx, value, kind, `approval.${name}`);
  }
  if (ctx.problems.length > before) return null;
  try {
    return describeApproval(values as unknown as ApprovalDefinition);
  } catch (error) {
    if (!(error instanceof ApprovalOptionError)) throw error;
    report(ctx, places.get(error.option) ?? node, error.message);
    return null;
  }
}
