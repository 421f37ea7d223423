import { CronExpression, CronFieldCollection } from "cron-parser";
import { parseScheduleCron } from "./parse-schedule-cron.js";
import { zoneTransitions } from "./zone-transitions.js";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Matching days are compared over a year and a bit, or eight years (two leap days) for an expression matching fewer days. */
const DAYS_AHEAD = 430;
const RARE_DAYS_AHEAD = 8 * 366;
/** Clock changes are looked for over the next year and a bit (most zones change twice a year). */
const TRANSITIONS_AHEAD_MS = 430 * DAY_MS;
/**
 * Around a clock change, the occurrences this close to it are compared as they really fall: the
 * pair that spans it, and those whose wall-clock time the change skips or repeats (at most 2 h):
 * 3 h, or 50 of the ordinary gaps when that is less (a minute-by-minute expression needs no 360).
 */
const AROUND_CHANGE_MS = 3 * HOUR_MS;
const AROUND_CHANGE_GAPS = 50;

/** The smallest time between two consecutive occurrences, and (for one only a clock change makes) when the later one falls. */
export interface CronGap {
  gapMs: number;
  /** Set when the smallest gap is at a clock change of the time zone: the later occurrence's time. */
  atMs: number | null;
}

/**
 * The smallest gap between consecutive occurrences of a valid cron expression read in
 * `timezone`, counted from `fromMs`. Without running through every occurrence of a long window
 * (a minute-by-minute expression has half a million a year):
 * - on ordinary days, from the expression's fields: the times of day it matches (hours ×
 *   minutes × seconds) and the closest two days it matches (the parser's own day matching, over
 *   eight years): the smallest gap within a day, or from the last time of a day to the first of
 *   the next matching one;
 * - around each change of the zone's offset in the next two years, from the occurrences the
 *   parser really gives there (a change of the clock can bring two occurrences closer).
 */
export function smallestCronGap(cron: string, timezone: string, fromMs: number): CronGap {
  const expression = parseScheduleCron(cron, timezone, fromMs);
  const ordinary = ordinaryGap(expression, fromMs);
  let smallest: CronGap = { gapMs: ordinary, atMs: null };
  const aroundMs = Math.min(AROUND_CHANGE_MS, AROUND_CHANGE_GAPS * ordinary);
  for (const change of zoneTransitions(timezone, fromMs, fromMs + TRANSITIONS_AHEAD_MS)) {
    const around = gapAroundChange(cron, timezone, change, aroundMs);
    if (around !== null && around.gapMs < smallest.gapMs) smallest = around;
  }
  return smallest;
}

function ordinaryGap(expression: CronExpression, fromMs: number): number {
  const { hour, minute, second } = expression.fields;
  const times = hour.values.flatMap((h) => minute.values.flatMap((m) => second.values.map((s) => ((h * 60 + m) * 60 + s) * 1000))).sort((a, b) => a - b);
  let within = Infinity;
  for (let i = 1; i < times.length; i++) within = Math.min(within, times[i]! - times[i - 1]!);
  const days = closestMatchingDays(expression, fromMs);
  const across = days * DAY_MS - (times[times.length - 1]! - times[0]!);
  return Math.min(within, across);
}

/** The fewest days between two days the expression matches (1 for most), or Infinity when it matches one day at most in eight years. */
function closestMatchingDays(expression: CronExpression, fromMs: number): number {
  // The same days, at midnight only, in UTC: one occurrence per matching day.
  const fields = CronFieldCollection.from(expression.fields, { hour: [0], minute: [0], second: [0] });
  const days = new CronExpression(fields, { tz: "UTC", currentDate: new Date(fromMs) });
  let closest = Infinity;
  let previous: number | null = null;
  let horizonDays = DAYS_AHEAD;
  while (closest > 1) {
    const day = attempt(() => days.next().getTime());
    if (day === null) break;
    // A year and a bit shows any expression's days but February 29's: those get eight years.
    if (day - fromMs > horizonDays * DAY_MS) {
      if (closest < Infinity || horizonDays === RARE_DAYS_AHEAD) break;
      horizonDays = RARE_DAYS_AHEAD;
    }
    if (previous !== null) closest = Math.min(closest, Math.round((day - previous) / DAY_MS));
    previous = day;
  }
  return closest;
}

/** The smallest gap among occurrences near one clock change, the pair that spans it included. */
function gapAroundChange(cron: string, timezone: string, changeMs: number, aroundMs: number): CronGap | null {
  const start = changeMs - aroundMs;
  const times: number[] = [];
  const previous = attempt(() => parseScheduleCron(cron, timezone, start).prev().getTime());
  if (previous !== null) times.push(previous);
  const after = parseScheduleCron(cron, timezone, start);
  for (;;) {
    const time = attempt(() => after.next().getTime());
    if (time === null) break;
    times.push(time);
    if (time > changeMs + aroundMs) break;
  }
  let smallest: CronGap | null = null;
  for (let i = 1; i < times.length; i++) {
    const gapMs = times[i]! - times[i - 1]!;
    if (smallest === null || gapMs < smallest.gapMs) smallest = { gapMs, atMs: times[i]! };
  }
  return smallest;
}

/** The parser's next or previous time, or null when there is none (it throws then). */
function attempt(find: () => number): number | null {
  try {
    return find();
  } catch {
    return null;
  }
}
