import { setTimeout as sleep } from "node:timers/promises";
import type { Context } from "@opentelemetry/api";
import type { WorkflowEntry, WorkflowReport } from "../run-types.js";
import { recordStepSpan } from "../telemetry/step-span.js";

// A save that fails is tried again after these waits (Redis restarting, a failover).
const RETRY_DELAYS_MS = [250, 500, 1000, 2000, 4000];

/**
 * What the execute step gives runScript as `onStep`: saves a workflow's record so far (the
 * ledger's `saveWorkflow`), trying again with backoff when Redis refuses, then records the
 * step's span. If the record cannot be saved at all, this rejects: the step is not acked, so
 * the script waits, and the run ends by its timeout (its rollbacks get their kill grace) or
 * by the worker's fence when Redis is gone for good; the step was never promised to be saved.
 */
export function stepRecorder(o: {
  runId: string;
  save: (record: WorkflowReport) => Promise<void>;
  /** The execute job's trace context, for the steps' spans. */
  trace?: Context;
  retryDelaysMs?: readonly number[];
}): (record: WorkflowReport, entry: WorkflowEntry) => Promise<void> {
  const delays = o.retryDelaysMs ?? RETRY_DELAYS_MS;
  return async (record, entry) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await o.save(record);
        break;
      } catch (error) {
        if (attempt >= delays.length) throw error;
        await sleep(delays[attempt]);
      }
    }
    recordStepSpan(o.runId, entry, o.trace);
  };
}
