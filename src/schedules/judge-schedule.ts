import type { ScheduleLimits } from "../config.js";
import type { ScheduleDescription, ScriptDescription } from "../sdk/protocol.js";

/** One thing wrong with a schedule: the option it is about (`cron`, `timezone`, `every`, `retries`, `inputs.limit`…) and why. */
export interface ScheduleProblem {
  option: string;
  message: string;
}

/**
 * Whether this server runs the schedule as declared: a cron expression and time zone the
 * scheduler reads, an interval no shorter than the server's minimum, no more tries than its
 * maximum, and values for the chore's inputs that its run would accept. Empty when it does.
 */
export function judgeSchedule(schedule: ScheduleDescription, inputs: ScriptDescription["inputs"], limits: ScheduleLimits): ScheduleProblem[] {
  // Placeholder until the real judge lands: refuses nothing.
  void schedule;
  void inputs;
  void limits;
  return [];
}
