import type * as TypeScript from "typescript";
import type { ScheduleDescription } from "../sdk/protocol.js";
import { report, type ReadContext } from "./read-context.js";

/** A chore's `schedule`, read from its literal. */
export function readSchedule(ctx: ReadContext, node: TypeScript.Node): ScheduleDescription | null {
  report(ctx, node, "schedule: not read yet");
  return null;
}
