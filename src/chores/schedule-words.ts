import type { ScheduleDescription } from "../sdk/protocol.js";
import type { ChoreRunView } from "./chore-run-view.js";
import { formatDuration, formatTime } from "./format-time.js";

/** When a schedule fires, in words: `cron 0 3 * * * in Europe/Berlin` or `every 15 min`. */
export function describeScheduleRule(schedule: ScheduleDescription): string {
  if (schedule.cron !== null) return `cron ${schedule.cron} in ${schedule.timezone}`;
  return `every ${formatDuration(schedule.everyMs ?? 0)}`;
}

/** How often an occurrence is tried, and what happens when one would overlap the previous run. */
export function describeScheduleRetries(schedule: ScheduleDescription): string {
  const { attempts, backoff, delayMs } = schedule.retries;
  const tries =
    attempts === 1
      ? "One try per occurrence, no retry"
      : `Up to ${attempts} tries per occurrence (${backoff} backoff, ${delayMs === 0 ? "retried at once" : `from ${formatDuration(delayMs)}`})`;
  const overlap = schedule.overlap === "skip" ? "an occurrence is skipped while the previous run still goes" : "an occurrence waits for the previous run";
  return `${tries}; ${overlap}.`;
}

/**
 * An occurrence's time in UTC, and in the schedule's own time zone when it has one:
 * `2026-12-07 02:00:00 UTC (03:00 Europe/Berlin)`.
 */
export function formatOccurrence(ms: number, timezone: string): string {
  const utc = formatTime(new Date(ms).toISOString());
  if (timezone === "UTC") return utc;
  try {
    const local = new Intl.DateTimeFormat("en-GB", { timeZone: timezone, dateStyle: "short", timeStyle: "short" }).format(ms);
    return `${utc} (${local} ${timezone})`;
  } catch {
    // A time zone this Node does not know (the schedule would not run either): UTC only.
    return utc;
  }
}

/** A scheduled run's try: `try 2 of 3`; nothing for a schedule that tries once. */
export function describeTry(schedule: { attempt: number; attempts: number }): string {
  return schedule.attempts > 1 ? `try ${schedule.attempt} of ${schedule.attempts}` : "";
}

/** Who started a run, as the pages say it: a scheduled run is `on schedule` (with its try), never a person named "schedule". */
export function runStarter(run: Pick<ChoreRunView, "trigger" | "requested_by" | "schedule">): string | null {
  if (run.trigger !== "schedule") return run.requested_by;
  const attempt = run.schedule ? describeTry(run.schedule) : "";
  return attempt === "" ? "on schedule" : `on schedule, ${attempt}`;
}
