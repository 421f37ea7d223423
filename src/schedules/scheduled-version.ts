import type { IndexedChore, RepoCatalog } from "../catalog-types.js";
import type { ScheduleLimits } from "../config.js";
import type { ScheduleDescription } from "../sdk/protocol.js";
import { judgeSchedule, type ScheduleProblem } from "./judge-schedule.js";

// judgeSchedule takes tens of milliseconds (a year of the zone's clock changes is looked at),
// up to a second for inputs whose patterns backtrack, on the worker's main thread; every
// reconcile judges each scheduled chore of the repository and every trigger its own. The time
// counts only through clock changes a year ahead: a verdict is reused for an hour.
const VERDICT_MS = 3_600_000;
const VERDICTS_KEPT = 2_000;
const verdicts = new Map<string, { problems: ScheduleProblem[]; atMs: number }>();

/** The version of a chore its schedule runs, and that schedule; or why the chore is not scheduled. */
export type ScheduledVersion = { chore: IndexedChore; schedule: ScheduleDescription } | { refused: string; declared: boolean };

/**
 * Whether the chore `name` of `catalog` runs on a schedule on this server, and with which
 * version: only when the indexed head has no problem with it, its newest runnable version
 * declares a schedule (descriptions indexed before schedules declare none), and that schedule
 * is valid against the server's limits and the chore's inputs. `declared` says whether there
 * is a schedule to speak of (its refusal is worth a digest line; a chore that never had one is not).
 * Reconciling, triggering and queueing an occurrence all decide it here.
 */
export function scheduledVersion(catalog: RepoCatalog | null, name: string, limits: ScheduleLimits): ScheduledVersion {
  const entry = catalog?.chores.find((chore) => chore.name === name) ?? null;
  if (entry === null) return { refused: `${name} is no longer a chore of the default branch`, declared: false };
  const schedule = entry.runnable?.description?.schedule ?? null;
  if (entry.problem !== null) {
    return {
      refused: `the default branch's ${name} at ${entry.problem.commit.slice(0, 7)} may not run: ${entry.problem.message}`,
      declared: schedule !== null,
    };
  }
  if (entry.runnable === null) return { refused: `${name} has no version that may run`, declared: false };
  if (schedule === null) return { refused: `${name} declares no schedule`, declared: false };
  const problems = judged(schedule, entry.runnable.description?.inputs ?? {}, limits);
  if (problems.length > 0) {
    return { refused: `the schedule of ${name} is invalid: ${problems.map((p) => `${p.option}: ${p.message}`).join("; ")}`, declared: true };
  }
  return { chore: entry.runnable, schedule };
}

/** judgeSchedule's verdict on the schedule, the same for an hour (the oldest verdicts go first past VERDICTS_KEPT). */
function judged(schedule: ScheduleDescription, inputs: Parameters<typeof judgeSchedule>[1], limits: ScheduleLimits): ScheduleProblem[] {
  const key = JSON.stringify([schedule, inputs, limits]);
  const nowMs = Date.now();
  const kept = verdicts.get(key);
  if (kept !== undefined && nowMs - kept.atMs < VERDICT_MS) return kept.problems;
  const problems = judgeSchedule(schedule, inputs, limits, nowMs);
  verdicts.delete(key);
  verdicts.set(key, { problems, atMs: nowMs });
  for (const oldest of verdicts.keys()) {
    if (verdicts.size <= VERDICTS_KEPT) break;
    verdicts.delete(oldest);
  }
  return problems;
}

/**
 * BullMQ's repeat options for a schedule: a cron pattern read in its time zone, or a fixed
 * interval in whole milliseconds. BullMQ keeps an interval whole ("1.1h" is 3960000.0000000005 ms):
 * one with a fraction would never equal the scheduler read back, and each push would upsert it
 * again, which fires an interval at once.
 */
export function repeatOf(schedule: Pick<ScheduleDescription, "cron" | "everyMs" | "timezone">): { pattern: string; tz: string } | { every: number } {
  if (schedule.cron !== null) return { pattern: schedule.cron, tz: schedule.timezone };
  return { every: Math.round(schedule.everyMs!) };
}
