import { setTimeout as sleep } from "node:timers/promises";
import type { IterationReport } from "../run-types.js";
import type { BatchReport } from "../sdk/protocol.js";
import type { Checkpoint } from "../stores/execution-ledger.js";

// A save that fails is tried again after these waits (Redis restarting, a failover), as a workflow's steps are.
const RETRY_DELAYS_MS = [250, 500, 1000, 2000, 4000];

/**
 * What the execute step gives runScript as `onBatch`: saves an iteration's checkpoint after a
 * batch (the ledger's `saveCheckpoint`, its cursor raw), trying again with backoff when Redis
 * refuses, THEN reads whether a person asked the run to pause. The ack is written only once
 * this resolved, so the script takes its next item only once the batch can never be processed
 * again. If the checkpoint cannot be saved at all, this rejects: the script waits unacked, and
 * the run ends by its timeout or the worker's fence, its last saved checkpoint standing.
 * A pause asked during the last batch is answered as asked: it comes too late, the script
 * finishes and says so (see runScript's onBatch), and the request is cleared with the run's end.
 */
export function checkpointRecorder(o: {
  save: (checkpoint: Checkpoint, record: IterationReport) => Promise<void>;
  /** The pause asked of the run and not answered yet (ParkedRuns.pauseRequest), or null. */
  pauseRequest: () => Promise<unknown>;
  now?: () => number;
  retryDelaysMs?: readonly number[];
}): (batch: BatchReport, record: IterationReport) => Promise<{ pause: boolean }> {
  const delays = o.retryDelaysMs ?? RETRY_DELAYS_MS;
  const now = o.now ?? Date.now;
  return async (batch, record) => {
    const checkpoint: Checkpoint = { seq: batch.seq, done: batch.done, cursor: batch.cursor, at: new Date(now()).toISOString() };
    for (let attempt = 0; ; attempt++) {
      try {
        await o.save(checkpoint, record);
        break;
      } catch (error) {
        if (attempt >= delays.length) throw error;
        await sleep(delays[attempt]);
      }
    }
    // Not answerable (Redis went after the save): the run goes on; the request is answered at the next checkpoint.
    const request = await o.pauseRequest().catch(() => null);
    return { pause: request !== null };
  };
}
