import { readLiveState } from "../pipeline/live-state.js";
import { iterationProgressLine } from "../runlog/iteration-words.js";

/**
 * A job's progress as the dashboard shows it. An execute job's progress is its run's live
 * state (live-state.ts); Bull Board draws the ring on the job card from its numeric
 * `progress` and shows the whole object on the Progress tab. So:
 * - `progress` is the percentage, and null when the script gave no total: the ring shows
 *   how far the run is, never a count of rows as if it were a percentage;
 * - `summary` says it all in one line, first; the fields the run's live state has follow.
 * Anything that is not an object (BullMQ's default 0, the other steps' jobs) is left alone:
 * the tab then says there is no progress, which is true.
 */
export function progressView(progress: unknown): unknown {
  if (typeof progress !== "object" || progress === null || Array.isArray(progress)) return progress;
  const live = readLiveState(progress);
  const counters = Object.entries(live.counters);
  const it = live.iteration;
  const parts = [
    live.waiting !== undefined ? `waiting: ${live.waiting}` : null,
    live.cancelledBy !== undefined ? `cancel asked by ${live.cancelledBy}` : null,
    it?.pauseRequestedBy !== undefined ? `pause asked by ${it.pauseRequestedBy}: it stops after this batch` : null,
    // An iteration says its items, batches and ETA; its plain progress would say the same count again.
    it !== undefined
      ? iterationProgressLine(it)
      : live.done === null
        ? null
        : live.total === 1 && live.percent !== null
          ? `${live.percent} % done` // progress(0.4): a fraction
          : live.total
            ? `${live.done} of ${live.total} done${live.percent === null ? "" : ` (${live.percent} %)`}`
            : `${live.done} done (no total given)`,
    counters.length > 0 ? counters.map(([name, value]) => `${name} ${value}`).join(", ") : null,
    live.logLines > 0 ? `${live.logLines} line${live.logLines === 1 ? "" : "s"} logged` : null,
  ].filter((part) => part !== null);
  return {
    summary: parts.length > 0 ? parts.join(" · ") : "no progress reported yet",
    progress: live.percent,
    done: live.done,
    total: live.total,
    percent: live.percent,
    counters: live.counters,
    logLines: live.logLines,
    attempt: live.attempt,
    ...(live.waiting === undefined ? {} : { waiting: live.waiting }),
    ...(live.cancelledBy === undefined ? {} : { cancelledBy: live.cancelledBy }),
    ...(it === undefined ? {} : { iteration: it }),
  };
}
