import { LIVE_PHASES } from "../pipeline/run-phase.js";
import type { ChoreRunView } from "./chore-run-view.js";

/** A run's status as the pages say it. */
export interface StatusWord {
  /** A run-log status word (succeeded, failed, timed_out, cancelled, lost, refused…), or queued/waiting/running while live. */
  word: string;
  /** The run is over: its status will not change. */
  final: boolean;
  /** What a live run is doing or waiting for; null when there is nothing to add. */
  detail: string | null;
}

const LIVE: ReadonlySet<string> = new Set(LIVE_PHASES);

/**
 * The word for a run's status: a final status as the run log writes it; while live, `queued`
 * (not picked up yet), `waiting` (behind a lock, a freeze or a worker: the reason is the
 * detail) or `running` (running, or recording its log once the script ended).
 */
export function statusWord(view: Pick<ChoreRunView, "status" | "waiting_reason" | "waiting" | "interrupted" | "paused">): StatusWord {
  // A parked run's panel says what it waits for, with its buttons: the line would say it twice.
  const parked = view.waiting !== undefined || view.interrupted !== undefined || view.paused !== undefined;
  const reason = parked ? null : (view.waiting_reason ?? null);
  switch (view.status) {
    case "queued":
      return { word: "queued", final: false, detail: reason };
    case "waiting":
      return { word: "waiting", final: false, detail: parked ? null : (reason ?? "waiting for its turn") };
    case "running":
      return { word: "running", final: false, detail: null };
    // Its attempt is recorded, but the run is not over: it waits for a person's Resume or Roll back.
    case "interrupted":
      return { word: "interrupted", final: false, detail: parked ? null : (reason ?? "waits for a person's Resume or Roll back") };
    // An iteration a person paused: not over (it may be resumed, or cancelled).
    case "paused":
      return { word: "paused", final: false, detail: parked ? null : "paused: Resume goes on from its checkpoint" };
    case "recording":
      return { word: "running", final: false, detail: "the script has ended; its log is being recorded" };
    default:
      return { word: view.status, final: !LIVE.has(view.status), detail: null };
  }
}
