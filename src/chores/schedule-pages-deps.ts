import type { ScheduleControl } from "../schedules/schedule-types.js";
import type { ScheduleState } from "../stores/schedule-states.js";
import type { RateVerdict } from "../stores/request-rate.js";

/** What the chores pages do with a chore's schedule: show its next occurrence and state, pause and resume it. */
export interface ChoresSchedules {
  /** The web part's Schedules: next occurrences, pause and resume (recording who). */
  control: ScheduleControl;
  /** What is kept of a schedule: who paused it and when, its last success and last end (ScheduleStates.read). */
  state(schedulerId: string): Promise<ScheduleState>;
  /** Counts a user's pause and resume requests in a repository (a RequestRate): past its limit they are refused. */
  rate(login: string, repo: { owner: string; repo: string }): Promise<RateVerdict>;
}
