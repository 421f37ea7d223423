import { parseScheduleCron } from "../schedules/parse-schedule-cron.js";
import type { ScheduleDescription } from "../sdk/protocol.js";
import { formatDuration } from "./render-summary.js";

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
/** More times of day than this are counted, not listed. */
const TIMES_LISTED = 4;

/**
 * When a valid schedule runs, in words, for the pull request check: "every day at 03:00",
 * "every 15 min on Monday to Friday", "every 15 min, from the merge on". From the parser's
 * fields, so it says what the scheduler will do; an expression it cannot put simply is named as is.
 */
export function scheduleWords(schedule: Pick<ScheduleDescription, "cron" | "everyMs" | "timezone">): string {
  // BullMQ starts a new interval scheduler at once; one that exists already (same interval) keeps its phase.
  if (schedule.everyMs !== null) return `every ${formatDuration(schedule.everyMs)} (a new schedule starts with the merge: its first run right after it)`;
  const fields = parseScheduleCron(schedule.cron!, schedule.timezone, 0).fields;
  const dow = [...new Set(fields.dayOfWeek.values.map((day) => Number(day) % 7))].sort();
  const dom = fields.dayOfMonth.values;
  const special = /[L#W?]/i.test(`${fields.dayOfWeek.values.join(",")} ${dom.join(",")}`) || fields.dayOfWeek.nthDay > 0;
  const times = timesOfDay(fields.hour.values, fields.minute.values, fields.second.values);
  if (special) return `${times}, on the days \`${schedule.cron}\` selects`;
  // Every day of the month: 1 to 31 (the parser trims it to 29 for February alone, say).
  const allDom = dom.length >= 29 && dom.every((day, i) => day === i + 1);
  const allDow = dow.length === 7;
  let days: string;
  if (allDom && allDow) days = "every day";
  else if (allDom) days = `on ${dayNames(dow)}`;
  else if (allDow) days = `on day ${list(dom.map(String))} of the month`;
  else days = `on day ${list(dom.map(String))} of the month and on ${dayNames(dow)}`;
  const months = fields.month.values.length === 12 ? "" : ` in ${list(fields.month.values.map((m) => MONTHS[m - 1]!))}`;
  return `${times}, ${days}${months}`;
}

function timesOfDay(hours: readonly number[], minutes: readonly number[], seconds: readonly number[]): string {
  const step = (values: readonly number[], size: number): number | null => {
    const d = values.length > 1 ? values[1]! - values[0]! : size;
    return values[0] === 0 && values.length * d === size && values.every((v, i) => v === i * d) ? d : null;
  };
  if (hours.length * minutes.length * seconds.length <= TIMES_LISTED) {
    const times = hours.flatMap((h) => minutes.flatMap((m) => seconds.map((s) => `${pad(h)}:${pad(m)}${s === 0 ? "" : `:${pad(s)}`}`)));
    return `at ${list(times)}`;
  }
  const allHours = hours.length === 24;
  const allMinutes = minutes.length === 60;
  const onTheMinute = seconds.length === 1 && seconds[0] === 0;
  const secondStep = step(seconds, 60);
  const minuteStep = step(minutes, 60);
  const hourStep = step(hours, 24);
  if (allHours && allMinutes && seconds.length > 1 && secondStep !== null) return secondStep === 1 ? "every second" : `every ${secondStep} s`;
  if (allHours && onTheMinute && minuteStep !== null) return minuteStep === 1 ? "every minute" : `every ${minuteStep} min`;
  if (allHours && onTheMinute && minutes.length === 1) return `every hour at minute ${minutes[0]}`;
  if (onTheMinute && minutes.length === 1 && minutes[0] === 0 && hourStep !== null) return `every ${hourStep} h, on the hour`;
  return `${hours.length * minutes.length * seconds.length} times a day`;
}

function dayNames(days: readonly number[]): string {
  const run = days.length > 2 && days.every((day, i) => i === 0 || day === days[i - 1]! + 1);
  return run ? `${DAYS[days[0]!]} to ${DAYS[days.at(-1)!]}` : list(days.map((day) => DAYS[day]!));
}

function list(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

const pad = (n: number) => String(n).padStart(2, "0");
