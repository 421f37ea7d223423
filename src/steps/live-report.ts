import type { Job } from "bullmq";
import type { ReportMessage } from "../sdk/protocol.js";

const PROGRESS_EVERY_MS = 500;
const COUNTERS_EVERY_MS = 2_000;
const MAX_JOB_LOG_LINES = 500;

/**
 * Shows what a running script reports in the dashboard, live: its progress as the job's
 * progress bar (a percentage; the count done when the total is unknown), its log lines as
 * job log lines (the first MAX_JOB_LOG_LINES; the run log keeps more) and its counters as
 * a job log line when they changed. Writes are rate-limited, so a script reporting a
 * million times cannot flood Redis.
 */
export function liveReport(job: Job) {
  let logged = 0;
  let dropped = 0;
  let progress: number | null = null;
  let progressDirty = false;
  const counters: Record<string, number> = {};
  let countersDirty = false;
  let writing: Promise<unknown> = Promise.resolve();
  const enqueue = (write: () => Promise<unknown>) => {
    writing = writing.then(write).catch(() => undefined);
  };
  const writeProgress = () => {
    if (!progressDirty || progress === null) return;
    progressDirty = false;
    const value = progress;
    enqueue(() => job.updateProgress(value));
  };
  const writeCounters = () => {
    if (!countersDirty) return;
    countersDirty = false;
    const line = Object.entries(counters)
      .map(([name, value]) => `${name}=${value}`)
      .join(", ");
    enqueue(() => job.log(`counters: ${line}`));
  };
  const timers = [setInterval(writeProgress, PROGRESS_EVERY_MS), setInterval(writeCounters, COUNTERS_EVERY_MS)];
  for (const timer of timers) timer.unref();
  return {
    onReport(message: ReportMessage) {
      if (message.type === "log") {
        if (logged < MAX_JOB_LOG_LINES) {
          logged++;
          enqueue(() => job.log(message.message));
        } else dropped++;
      } else if (message.type === "progress") {
        progress = message.total ? Math.round((100 * message.done) / message.total) : message.done;
        progressDirty = true;
      } else if (message.type === "counter") {
        counters[message.name] = message.op === "set" ? message.value : (counters[message.name] ?? 0) + message.value;
        countersDirty = true;
      }
    },
    async flush() {
      for (const timer of timers) clearInterval(timer);
      writeProgress();
      writeCounters();
      if (dropped > 0) enqueue(() => job.log(`… ${dropped} more log lines (see the run log)`));
      await writing;
    },
  };
}
