import type { ScheduleSummary } from "./inspect-schedule.js";

/**
 * The summary's "Schedules" section: each chore's valid schedule in words, and its next
 * occurrences in its time zone and in UTC. Empty when no chore declares a valid one.
 */
export function renderSchedules(chores: readonly { path: string; schedule?: ScheduleSummary }[]): string[] {
  const scheduled = chores.filter((chore): chore is { path: string; schedule: ScheduleSummary } => chore.schedule !== undefined);
  if (scheduled.length === 0) return [];
  const lines = ["### Schedules", "", "Once merged, these chores run on their own, on whichever worker is free, once per occurrence.", ""];
  for (const { path, schedule } of scheduled) {
    const expression = schedule.cron === null ? "" : ` (\`${schedule.cron.replace(/`/g, "'")}\`, ${schedule.timezone} time)`;
    lines.push(`**\`${path}\`** runs ${schedule.words}${expression}.`, "");
    if (schedule.next.length === 0) continue;
    const zoned = schedule.timezone !== "UTC";
    lines.push(zoned ? `| Next occurrences (${schedule.timezone}) | UTC |` : "| Next occurrences (UTC) |", zoned ? "| --- | --- |" : "| --- |");
    for (const ms of schedule.next) lines.push(zoned ? `| ${formatIn(ms, schedule.timezone)} | ${formatIn(ms, "UTC")} |` : `| ${formatIn(ms, "UTC")} |`);
    lines.push("");
  }
  return lines;
}

/** "Mon 2026-12-07 03:00" (seconds when there are some), the wall-clock time in `timezone`. */
function formatIn(ms: number, timezone: string): string {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: timezone,
    hourCycle: "h23",
    weekday: "short",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(ms);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((candidate) => candidate.type === type)?.value ?? "";
  const seconds = part("second") === "00" ? "" : `:${part("second")}`;
  return `${part("weekday")} ${part("year")}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")}${seconds}`;
}
