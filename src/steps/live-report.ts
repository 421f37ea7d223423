import type { Job } from "bullmq";
import { liveState, progressOf, writeLiveState } from "../pipeline/live-state.js";
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
 */
export function liveReport(job: Job, o: { attempt: number; cancel?: AbortSignal }) {
  // Changed in place as reports come (a million of them must stay cheap), copied for each write.
  const state = liveState(o.attempt);
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
    onReport(message: ReportMessage) {
      if (message.type === "log") {
        state.logLines++;
        stateDirty = true;
        if (state.logLines <= MAX_JOB_LOG_LINES) enqueue(() => job.log(message.message));
        else dropped++;
      } else if (message.type === "progress") {
        Object.assign(state, progressOf(message.done, message.total));
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
