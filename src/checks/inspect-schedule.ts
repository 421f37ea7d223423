import type { ScheduleLimits } from "../config.js";
import { locateOption } from "../definitions/locate-option.js";
import { judgeSchedule } from "../schedules/judge-schedule.js";
import { nextOccurrences } from "../schedules/next-occurrences.js";
import type { ScriptDescription } from "../sdk/protocol.js";
import type { Annotation } from "./check-report.js";
import { scheduleWords } from "./schedule-words.js";

/** How many next occurrences the check shows. */
export const OCCURRENCES_SHOWN = 5;

/** A valid schedule as the check shows it: in words, and its next occurrences (none listed for an interval: it starts with the merge). */
export interface ScheduleSummary {
  words: string;
  cron: string | null;
  timezone: string;
  /** ms since the epoch. */
  next: number[];
}

export interface ScheduleInspection {
  annotations: Annotation[];
  problems: string[];
  summary: ScheduleSummary | null;
}

/**
 * What the check says of a script's `schedule`: only a chore runs on one (a one-off script that
 * declares one fails), and a chore's must be one this server runs (judgeSchedule, with the
 * server's limits), each problem on the line of the option it is about. A valid one is put in
 * words with its next occurrences, counted from `nowMs`.
 */
export function inspectSchedule(
  script: { path: string; source: string; chore: boolean },
  definition: ScriptDescription,
  limits: ScheduleLimits,
  nowMs: number,
): ScheduleInspection {
  const { path, source } = script;
  const schedule = definition.schedule ?? null;
  const result: ScheduleInspection = { annotations: [], problems: [], summary: null };
  if (schedule === null) return result;
  const at = (within: string[]) => locateOption(source, path, "schedule", within) ?? { line: 1, column: 1 };
  const annotate = (within: string[], title: string, message: string) => {
    const { line } = at(within);
    result.annotations.push({ path, start_line: line, end_line: line, annotation_level: "failure", title, message });
  };
  if (!script.chore) {
    annotate(
      [],
      "Schedule in a one-off script",
      "Only a chore under the chores folder runs on a schedule; a one-off script runs once when merged. Move it to the chores folder, or remove `schedule`.",
    );
    result.problems.push("declares a schedule, but only a chore runs on one");
    return result;
  }
  const problems = judgeSchedule(schedule, definition.inputs, limits, nowMs);
  for (const problem of problems) annotate(problem.option.split("."), "Invalid schedule", `schedule.${problem.option}: ${problem.message}`);
  if (problems.length > 0) {
    result.problems.push(`its schedule is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}): a merge schedules nothing for it`);
    return result;
  }
  result.summary = {
    words: scheduleWords(schedule),
    cron: schedule.cron,
    timezone: schedule.timezone,
    next: schedule.cron === null ? [] : nextOccurrences(schedule, nowMs, OCCURRENCES_SHOWN),
  };
  return result;
}
