import type { Job } from "bullmq";
import { liveState, progressOf, writeLiveState } from "../pipeline/live-state.js";
import { iterationProgress, shownCursor, type IterationFacts } from "../pipeline/iteration-progress.js";
import type { CheckpointView } from "../run-types.js";
import type { ReportMessage } from "../sdk/protocol.js";
import type { CancelRequest } from "../stores/cancellations.js";

const STATE_EVERY_MS = 500;
const COUNTERS_LINE_EVERY_MS = 2_000;
const MAX_JOB_LOG_LINES = 500;

/**
 * Shows what a running script reports, live, as its execute job's live state (see
 * live-state.ts: progress, counters, how many lines it logged, who cancelled it), and to
 * people in the job log: its log lines (the first MAX_JOB_LOG_LINES; the run log keeps more)
 * and its counters as a `counters: a=1, b=2` line when they changed. Writes are rate-limited
 * (the state at most every STATE_EVERY_MS, the counters line every COUNTERS_LINE_EVERY_MS),
 * so a script reporting a million times cannot flood Redis.
 *
 * `cancel` is the run's cancel signal: who asked is in the state as soon as it is aborted.
 *
 * An iteration (`iteration`, or its first batch report) has its progress in `state.iteration`
 * (see iterationProgress): its batch reports (redacted by the runner) move its checkpoint, and
 * its `progress` messages (`done` counted in the whole run, as a batch's) the batch in flight.
 */
export function liveReport(job: Job, o: { attempt: number; cancel?: AbortSignal; iteration?: LiveIterationStart; now?: () => number }) {
  const now = o.now ?? Date.now;
  // Changed in place as reports come (a million of them must stay cheap), copied for each write.
  const state = liveState(o.attempt);
  let iteration: IterationFacts | null = o.iteration ? iterationFacts(o.iteration, now()) : null;
  let stateDirty = true;
  let countersDirty = false;
  let dropped = 0;
  let writing: Promise<unknown> = Promise.resolve();
  const enqueue = (write: () => Promise<unknown>) => {
    writing = writing.then(write).catch(() => undefined);
  };
  const writeState = () => {
    if (!stateDirty) return;
    stateDirty = false;
    // The rate and ETA are this moment's: worked out at each write, not at each report.
    if (iteration !== null) state.iteration = iterationProgress({ ...iteration, nowMs: now() });
    const snapshot = { ...state, counters: { ...state.counters } };
    enqueue(() => writeLiveState(job, snapshot));
  };
  const writeCountersLine = () => {
    if (!countersDirty) return;
    countersDirty = false;
    const line = Object.entries(state.counters)
      .map(([name, value]) => `${name}=${value}`)
      .join(", ");
    enqueue(() => job.log(`counters: ${line}`));
  };
  const onCancel = () => {
    state.cancelledBy = (o.cancel?.reason as CancelRequest | undefined)?.by ?? "unknown";
    stateDirty = true;
    writeState();
  };
  // The new attempt's state replaces the last one's at once: none of that one's numbers show as this one's.
  writeState();
  if (o.cancel?.aborted) onCancel();
  else o.cancel?.addEventListener("abort", onCancel, { once: true });
  const timers = [setInterval(writeState, STATE_EVERY_MS), setInterval(writeCountersLine, COUNTERS_LINE_EVERY_MS)];
  for (const timer of timers) timer.unref();
  return {
    /** A person asked the run to pause: it shows until the run stops after its batch. */
    pauseRequested(by: string) {
      if (iteration === null) return;
      iteration.pauseRequestedBy = by;
      stateDirty = true;
      writeState();
    },
    onReport(message: ReportMessage) {
      if (message.type === "log") {
        state.logLines++;
        stateDirty = true;
        if (state.logLines <= MAX_JOB_LOG_LINES) enqueue(() => job.log(message.message));
        else dropped++;
      } else if (message.type === "progress") {
        Object.assign(state, progressOf(message.done, message.total));
        if (iteration !== null) {
          iteration.total = message.total !== null && Number.isSafeInteger(message.total) && message.total >= 0 ? message.total : null;
          iteration.processed = Math.max(iteration.processed, message.done - iteration.start.done);
        }
        stateDirty = true;
      } else if (message.type === "batch") {
        const batch = message.report;
        iteration ??= iterationFacts({ batchSize: batch.items }, now());
        const checkpoint: CheckpointView = { seq: batch.seq, done: batch.done, cursor: shownCursor(batch.cursor), at: new Date(now()).toISOString() };
        iteration.checkpoint = checkpoint;
        iteration.processed = Math.max(iteration.processed, batch.done - iteration.start.done);
        stateDirty = true;
      } else if (message.type === "counter") {
        const value = message.op === "set" ? message.value : (state.counters[message.name] ?? 0) + message.value;
        state.counters[message.name] = value;
        stateDirty = true;
        countersDirty = true;
      }
    },
    async flush() {
      for (const timer of timers) clearInterval(timer);
      o.cancel?.removeEventListener("abort", onCancel);
      writeState();
      writeCountersLine();
      if (dropped > 0) enqueue(() => job.log(`… ${dropped} more log lines (see the run log)`));
      await writing;
    },
  };
}

/** What an iteration's live state starts from: its batch size, and where this process goes on from (null: the start). */
export interface LiveIterationStart {
  batchSize: number;
  total?: number | null;
  start?: { seq: number; done: number } | null;
  checkpoint?: CheckpointView | null;
}

function iterationFacts(start: LiveIterationStart, nowMs: number): IterationFacts {
  return {
    batchSize: start.batchSize,
    total: start.total ?? null,
    start: start.start ?? { seq: 0, done: 0 },
    checkpoint: start.checkpoint ?? null,
    processed: 0,
    startedAtMs: nowMs,
    nowMs,
  };
}
