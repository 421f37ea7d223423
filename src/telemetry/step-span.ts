import { context as otelContext, SpanStatusCode, trace, type Context } from "@opentelemetry/api";
import type { WorkflowEntry } from "../run-types.js";

/**
 * Records one span for a workflow step's run or rollback (`workflow.step <name>`,
 * `workflow.rollback <name>`), with its times as the script reported them, under `parent` (the
 * execute job's span) so it sits in the run's trace. Without a registered SDK it does nothing.
 */
export function recordStepSpan(runId: string, entry: WorkflowEntry, parent: Context = otelContext.active()): void {
  const start = Date.parse(entry.startedAt);
  // A script's clock is its own: a time that is not one is now.
  const startTime = Number.isFinite(start) ? start : Date.now() - entry.durationMs;
  const span = trace.getTracer("chorebot").startSpan(
    `workflow.${entry.direction === "run" ? "step" : "rollback"} ${entry.step}`,
    {
      startTime,
      attributes: {
        "chorebot.run_id": runId,
        "chorebot.workflow.step": entry.step,
        "chorebot.workflow.direction": entry.direction,
        "chorebot.workflow.outcome": entry.outcome,
      },
    },
    parent,
  );
  if (entry.outcome !== "succeeded") span.setStatus({ code: SpanStatusCode.ERROR, message: entry.error ?? entry.outcome });
  span.end(startTime + entry.durationMs);
}
