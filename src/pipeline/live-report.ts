import type { Job } from "bullmq";
import type { ReportMessage } from "../sdk/protocol.js";

const PROGRESS_EVERY_MS = 500;
const MAX_JOB_LOG_LINES = 500;

/**
 * Shows what a running script reports in the dashboard, live: its log lines as job log
 * lines (the first MAX_JOB_LOG_LINES; the run log keeps more) and its progress and counters
 * as the job's progress, written at most every PROGRESS_EVERY_MS, so a script reporting a
 * million times cannot flood Redis.
 */
export function liveReport(job: Job) {
  let logged = 0;
  let dropped = 0;
  let progress: { percent: number | null; done: number; total: number | null } | null = null;
  const counters: Record<string, number> = {};
  let dirty = false;
  let writing: Promise<unknown> = Promise.resolve();
  const write = () => {
    if (!dirty) return;
    dirty = false;
    const value = { ...(progress ?? { percent: null, done: 0, total: null }), counters: { ...counters } };
    writing = writing.then(() => job.updateProgress(value)).catch(() => undefined);
  };
  const timer = setInterval(write, PROGRESS_EVERY_MS);
  timer.unref();
  return {
    onReport(message: ReportMessage) {
      if (message.type === "log") {
        if (logged < MAX_JOB_LOG_LINES) {
          logged++;
          writing = writing.then(() => job.log(message.message)).catch(() => undefined);
        } else dropped++;
      } else if (message.type === "progress") {
        const percent = message.total ? Math.round((100 * message.done) / message.total) : null;
        progress = { percent, done: message.done, total: message.total };
        dirty = true;
      } else if (message.type === "counter") {
        counters[message.name] = message.op === "set" ? message.value : (counters[message.name] ?? 0) + message.value;
        dirty = true;
      }
    },
    async flush() {
      clearInterval(timer);
      write();
      if (dropped > 0) writing = writing.then(() => job.log(`… ${dropped} more log lines (see the run log)`)).catch(() => undefined);
      await writing;
    },
  };
}
