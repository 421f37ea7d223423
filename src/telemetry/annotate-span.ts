import { trace, type Attributes } from "@opentelemetry/api";
import type { RunJobData } from "../pipeline/job-data.js";

/**
 * Adds attributes to the span of the job being processed (BullMQ's `process <queue>`).
 * Without a registered SDK the API has no active span and this does nothing.
 */
export function annotateSpan(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}

/** What finds a run's spans in a tracing backend; with its status once it is known. */
export function runAttributes({ runId, target }: RunJobData, outcome?: { status: string; attempt: number }): Attributes {
  return {
    "chorebot.run_id": runId,
    "chorebot.script": target.path,
    "chorebot.repository": `${target.owner}/${target.repo}`,
    "chorebot.commit": target.commit,
    ...(outcome ? { "chorebot.status": outcome.status, "chorebot.attempt": outcome.attempt } : {}),
  };
}
