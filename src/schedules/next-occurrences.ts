import type { ScheduleDescription } from "../sdk/protocol.js";

/** The next `count` occurrences after `fromMs` (ms since the epoch), as BullMQ's job scheduler computes them. */
export function nextOccurrences(schedule: Pick<ScheduleDescription, "cron" | "everyMs" | "timezone">, fromMs: number, count: number): number[] {
  // Placeholder until the real computation lands.
  void schedule;
  void fromMs;
  void count;
  return [];
}
