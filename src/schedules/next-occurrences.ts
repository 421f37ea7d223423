import type { ScheduleDescription } from "../sdk/protocol.js";
import { parseScheduleCron } from "./parse-schedule-cron.js";

/**
 * The next `count` occurrences after `fromMs` (ms since the epoch), as BullMQ's job scheduler
 * computes them for `upsertJobScheduler(id, { pattern: cron, tz: timezone })` or
 * `upsertJobScheduler(id, { every: everyMs })` (repeatOf in scheduled-version.ts) called at `fromMs`:
 * - cron: the parser's next times after `fromMs`, one after another (BullMQ computes each from
 *   the previous one). Fewer than `count` when the expression runs out.
 * - every: a scheduler created at `fromMs` fires at once, then every `everyMs` after it
 *   (getJobSchedulerEveryNextMillis in BullMQ's Lua: its first slot is `now`, the next ones
 *   `prev + every`). A scheduler that already exists keeps its own phase.
 * Throws on a cron expression the parser refuses (judgeSchedule says so first).
 */
export function nextOccurrences(schedule: Pick<ScheduleDescription, "cron" | "everyMs" | "timezone">, fromMs: number, count: number): number[] {
  if (schedule.everyMs !== null) {
    const every = schedule.everyMs;
    return Array.from({ length: count }, (_, i) => Math.floor(fromMs + i * every));
  }
  return parseScheduleCron(schedule.cron!, schedule.timezone, fromMs)
    .take(count)
    .map((date) => date.getTime());
}
