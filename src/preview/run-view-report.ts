import type { LiveRunView } from "../chores/live/live-run-view.js";
import { progressOf } from "../pipeline/live-state.js";
import type { ReportMessage } from "../sdk/protocol.js";

/**
 * `view` with what an SDK script reported (already redacted by the runner, which sends each
 * counter as its new total): a counter is set or added to, progress becomes the percentage
 * done (or the count, without a total) with its done and total for the progress bar, a
 * result is kept. `log()` lines are output lines, not part of this.
 */
export function withReport(view: LiveRunView, message: ReportMessage): LiveRunView {
  switch (message.type) {
    case "counter": {
      const before = view.counters?.[message.name];
      const base = typeof before === "number" && message.op === "inc" ? before : 0;
      return { ...view, counters: { ...view.counters, [message.name]: base + message.value } };
    }
    case "progress":
      return { ...view, ...progressFields(message) };
    case "result":
      return { ...view, result: message.value };
    default:
      return view;
  }
}

/** A view's progress fields for the script's last `progress()`, or none. */
export function progressFields(progress: { done: number; total: number | null } | null): Pick<LiveRunView, "progress" | "progress_done" | "progress_total"> {
  if (progress === null) return { progress: null, progress_done: null, progress_total: null };
  return { progress: progressOf(progress.done, progress.total).progress, progress_done: progress.done, progress_total: progress.total };
}
