import type { RunStatus } from "../run-types.js";

/** How a status reads in a run log's title, a PR comment and a check run: one emoji each. */
export const STATUS_HEADLINES: Record<RunStatus, { emoji: string; verb: string; label: string }> = {
  succeeded: { emoji: "✅", verb: "succeeded", label: "Succeeded" },
  failed: { emoji: "❌", verb: "failed", label: "Failed" },
  timed_out: { emoji: "⏱️", verb: "timed out", label: "Timed out" },
  cancelled: { emoji: "🛑", verb: "was cancelled", label: "Cancelled" },
  lost: { emoji: "👻", verb: "was lost", label: "Lost" },
  refused: { emoji: "🚫", verb: "was refused", label: "Refused" },
  rolled_back: { emoji: "↩️", verb: "failed and was rolled back", label: "Rolled back" },
  rollback_failed: { emoji: "🔥", verb: "failed and could not be rolled back", label: "Rollback failed" },
  waiting: { emoji: "⏳", verb: "is waiting", label: "Waiting" },
  interrupted: { emoji: "⏸️", verb: "was interrupted and waits for a person's decision", label: "Interrupted" },
  paused: { emoji: "⏯️", verb: "is paused and waits for a person's Resume", label: "Paused" },
};
