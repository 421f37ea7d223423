import { setTimeout as sleep } from "node:timers/promises";
import type { Context } from "@opentelemetry/api";
import type { WorkflowEntry, WorkflowReport } from "../run-types.js";
import type { ResumePoint } from "../runner/run-script.js";
import { recordStepSpan } from "../telemetry/step-span.js";

// A save that fails is tried again after these waits (Redis restarting, a failover).
const RETRY_DELAYS_MS = [250, 500, 1000, 2000, 4000];

/**
 * What the execute step gives runScript as `onStep`: saves a workflow's record so far with the
 * point it would go on from (the ledger's `saveWorkflow(runId, attempt, record, resume)`: the
 * raw state the next run starts from, kept only after a succeeded or waiting run), trying again with backoff when Redis refuses, then records the
 * step's span. If the record cannot be saved at all, this rejects: the step is not acked, so
 * the script waits, and the run ends by its timeout (its rollbacks get their kill grace) or
 * by the worker's fence when Redis is gone for good; the step was never promised to be saved.
 */
export function stepRecorder(o: {
  runId: string;
  /** `resume` absent after a failure or a rollback: the point saved before stays. */
  save: (record: WorkflowReport, resume: ResumePoint | undefined) => Promise<void>;
  /** The execute job's trace context, for the steps' spans. */
  trace?: Context;
  retryDelaysMs?: readonly number[];
}): (record: WorkflowReport, entry: WorkflowEntry, resume: ResumePoint | null) => Promise<void> {
  const delays = o.retryDelaysMs ?? RETRY_DELAYS_MS;
  return async (record, entry, resume) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await o.save(record, resume ?? undefined);
        break;
      } catch (error) {
        if (attempt >= delays.length) throw error;
        await sleep(delays[attempt]);
      }
    }
    recordStepSpan(o.runId, entry, o.trace);
  };
}
