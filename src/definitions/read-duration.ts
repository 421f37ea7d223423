import type * as TypeScript from "typescript";
import { parseDuration } from "../sdk/parse-duration.js";
import { report, type ReadContext } from "./read-context.js";
import { readLiteral } from "./read-literal.js";

/** A duration literal (`"20m"`, `90`) in milliseconds, as parseDuration reads it; null (and a problem) when it is none. `label` starts the messages. */
export function readDuration(ctx: ReadContext, node: TypeScript.Node, label: string): number | null {
  const value = readLiteral(ctx, node, "duration", label);
  if (value === undefined) return null;
  try {
    return parseDuration(value);
  } catch (error) {
    report(ctx, node, `${label}: ${(error as Error).message}`);
    return null;
  }
}
