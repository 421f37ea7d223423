import type { IterationReport, RunStatus } from "../run-types.js";

/**
 * An iteration run's status and one-line message, from its record and what its process did
 * (`process`: today's judgement of a script's run). A process that failed, timed out, was
 * cancelled or lost keeps that judgement. One that exited cleanly is `paused` when its last ack
 * said pause, `succeeded` when its last batch was checkpointed, and `failed` otherwise: it
 * stopped before its collection was done (a `process.exit(0)` in an item, a script that speaks
 * the protocol itself), or it sent batches after it was told to stop.
 *
 * `last`: this process's last checkpoint (seq 0: none yet); `reportedAfterEnd`: it sent batch
 * reports after a pause ack or its last batch (IterationRecord.reportedAfterEnd).
 */
export function iterationVerdict(
  iteration: IterationReport,
  process: { status: RunStatus; message: string | null },
  o: { last: { seq: number; done: number }; reportedAfterEnd: boolean },
): { status: RunStatus; message: string | null } {
  if (process.status !== "succeeded") return process;
  const { seq, done } = o.last;
  const where = seq === 0 ? "before its first checkpoint" : `after item ${done} (batch ${seq})`;
  if (o.reportedAfterEnd) {
    const told = iteration.paused ? `was told to pause ${where}` : `reported its last batch ${where}`;
    return { status: "failed", message: `the iteration ${told}, then reported more batches (refused): it must stop there` };
  }
  if (iteration.paused) return { status: "paused", message: `paused ${where}` };
  if (iteration.finished) return process;
  return {
    status: "failed",
    message: `the script exited before its iteration finished, ${seq === 0 ? "with no batch checkpointed" : `its last checkpoint ${where}`}`,
  };
}
