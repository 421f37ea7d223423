import type { CheckpointView, IterationReport } from "../run-types.js";
import type { IterationLive } from "../pipeline/live-state.js";

/**
 * An iteration as `GET /api/runs/<id>` shows it: items done (of `total`), the rate and time
 * left (while a process of it runs; null otherwise), its last checkpoint (cursor redacted and
 * cut) and the batch in flight — items past the checkpoint, which may be processed again.
 */
export interface IterationView {
  batch_size: number;
  total: number | null;
  /** Items processed in the run: up to the checkpoint, and those of the batch in flight. */
  done: number;
  /** Items per second in the process that runs now; null when none does. */
  rate: number | null;
  eta_ms: number | null;
  checkpoint: CheckpointView | null;
  in_flight: { seq: number; from: number; items: number } | null;
  /** Every item was processed (its last batch was checkpointed). */
  finished: boolean;
}

/** The view of an iteration as it goes (its execute job's live state). */
export function iterationViewOfLive(live: IterationLive): IterationView {
  return {
    batch_size: live.batchSize,
    total: live.total,
    done: live.done,
    rate: live.rate,
    eta_ms: live.etaMs,
    checkpoint: live.checkpoint,
    in_flight: live.inFlight,
    finished: false,
  };
}

/** The view of an iteration's record: the ledger's (saved at each checkpoint, and when it was lost) or its recorded outcome's. */
export function iterationViewOfReport(report: IterationReport): IterationView {
  const checkpointed = Math.max(report.checkpoint?.done ?? 0, report.resumedFrom?.done ?? 0);
  return {
    batch_size: report.batchSize,
    total: report.total,
    done: checkpointed + (report.inFlight?.items ?? 0),
    rate: null,
    eta_ms: null,
    checkpoint: report.checkpoint,
    in_flight: report.inFlight,
    finished: report.finished,
  };
}
