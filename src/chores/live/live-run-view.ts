import type { ChoreRunView } from "../chore-run-view.js";

/**
 * A run as the live pages read it: the pages' view, plus what /api/runs' RunStatusView has
 * or may add that only the live updates need. Each is optional, so any ChoreRunView is one.
 */
export type LiveRunView = ChoreRunView & {
  /** The attempt the view shows (RunStatusView's); a retry's output starts afresh. */
  attempt?: number;
  /** The script's last `progress({ done, total })`, when the view carries it: the progress bar and its ETA need the total. */
  progress_done?: number | null;
  progress_total?: number | null;
};
