import type { ChoreRunView } from "../chores/chore-run-view.js";
import { progressOf } from "../pipeline/live-state.js";
import type { ReportMessage } from "../sdk/protocol.js";

/**
 * `view` with what an SDK script reported (already redacted by the runner, which sends each
 * counter as its new total): a counter is set or added to, progress becomes the percentage
 * done (or the count, without a total), a result is kept. `log()` lines are output lines,
 * not part of this.
 */
export function withReport(view: ChoreRunView, message: ReportMessage): ChoreRunView {
  switch (message.type) {
    case "counter": {
      const before = view.counters?.[message.name];
      const base = typeof before === "number" && message.op === "inc" ? before : 0;
      return { ...view, counters: { ...view.counters, [message.name]: base + message.value } };
    }
    case "progress":
      return { ...view, progress: progressOf(message.done, message.total).progress };
    case "result":
      return { ...view, result: message.value };
    default:
      return view;
  }
}
