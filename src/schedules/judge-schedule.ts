import { validateSubmission, type SubmissionCheck } from "../chores/validate-submission.js";
import { INPUTS_FILE_CHECK_MS, withinTime } from "../definitions/parse-inputs-file.js";
import type { ScheduleLimits } from "../config.js";
import type { ScheduleDescription, ScriptDescription } from "../sdk/protocol.js";
import { MAX_RETRY_DELAY_MS } from "./next-try.js";
import { parseScheduleCron } from "./parse-schedule-cron.js";
import { smallestCronGap } from "./smallest-cron-gap.js";

/** One thing wrong with a schedule: the option it is about (`cron`, `timezone`, `every`, `retries`, `inputs.limit`…) and why. */
export interface ScheduleProblem {
  option: string;
  message: string;
}

/** The longest `every`: a schedule runs at least once a year (and its times stay dates). */
export const MAX_EVERY_MS = 366 * 86_400_000;

/**
 * Whether this server runs the schedule as declared: a cron expression and time zone the
 * scheduler reads, an interval no shorter than the server's minimum, no more tries than its
 * maximum, and values for the chore's inputs that its run would accept. Empty when it does.
 * `nowMs` is where the cron expression's next occurrences are counted from.
 */
export function judgeSchedule(
  schedule: ScheduleDescription,
  inputs: ScriptDescription["inputs"],
  limits: ScheduleLimits,
  nowMs: number = Date.now(),
): ScheduleProblem[] {
  return [...judgeTiming(schedule, limits, nowMs), ...judgeRetries(schedule.retries, limits), ...judgeInputs(schedule.inputs, inputs)];
}

function judgeTiming(schedule: ScheduleDescription, limits: ScheduleLimits, nowMs: number): ScheduleProblem[] {
  const minimum = `this server's minimum is ${duration(limits.minIntervalMs)} (SCHEDULE_MIN_INTERVAL)`;
  if (schedule.everyMs !== null) {
    if (schedule.everyMs < limits.minIntervalMs) return [{ option: "every", message: `every ${duration(schedule.everyMs)} is too often: ${minimum}` }];
    if (schedule.everyMs > MAX_EVERY_MS)
      return [{ option: "every", message: `every ${duration(schedule.everyMs)} is too long: at most ${duration(MAX_EVERY_MS)}` }];
    return [];
  }
  const cron = schedule.cron!;
  // The parser reads an empty expression as every minute; BullMQ refuses it (no pattern).
  if (cron.trim() === "") return [{ option: "cron", message: 'the cron expression is empty: write one such as "0 3 * * *"' }];
  const zone = judgeTimeZone(schedule.timezone, nowMs);
  if (zone !== null) return [zone];
  // `H` picks a random value each time the expression is parsed (no hashSeed is given): BullMQ
  // parses it again for each occurrence, so occurrences would wander. Aliases (THU) go first.
  if (/H/.test(cron.replace(/[a-z]{3}/gi, ""))) {
    return [{ option: "cron", message: `${JSON.stringify(cron)} uses H (a random value each time it is read): write the value itself` }];
  }
  try {
    parseScheduleCron(cron, schedule.timezone, nowMs).next();
  } catch (error) {
    const message = (error as Error).message;
    // The parser throws while reading a wrong expression, and again when its search finds no time (a day that never comes).
    return [
      {
        option: "cron",
        message: readable(cron) ? `${JSON.stringify(cron)} never occurs (${message})` : `${JSON.stringify(cron)} is not a valid cron expression: ${message}`,
      },
    ];
  }
  const gap = smallestCronGap(cron, schedule.timezone, nowMs);
  if (gap.gapMs >= limits.minIntervalMs) return [];
  const where = gap.atMs === null ? "" : ` (when the clock changes in ${schedule.timezone}, at ${new Date(gap.atMs).toISOString()})`;
  return [{ option: "cron", message: `${JSON.stringify(cron)} runs as often as every ${duration(gap.gapMs)}${where}: ${minimum}` }];
}

/** The time zone as both Intl and the scheduler's parser read it; a name they do not know is refused, never read as UTC. */
function judgeTimeZone(timezone: string, nowMs: number): ScheduleProblem | null {
  const refused = { option: "timezone", message: `${JSON.stringify(timezone)} is not an IANA time zone such as "Europe/Berlin" or "UTC"` };
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    parseScheduleCron("0 0 * * *", timezone, nowMs).next();
    return null;
  } catch {
    return refused;
  }
}

function readable(cron: string): boolean {
  try {
    parseScheduleCron(cron, "UTC", 0);
    return true;
  } catch {
    return false;
  }
}

function judgeRetries(retries: ScheduleDescription["retries"], limits: ScheduleLimits): ScheduleProblem[] {
  const problems: ScheduleProblem[] = [];
  if (retries.attempts > limits.maxAttempts) {
    problems.push({
      option: "retries.attempts",
      message: `${retries.attempts} tries per occurrence is more than this server allows: at most ${limits.maxAttempts} (SCHEDULE_MAX_ATTEMPTS), the first try included`,
    });
  }
  if (retries.delayMs > MAX_RETRY_DELAY_MS) {
    problems.push({
      option: "retries.delay",
      message: `a wait of ${duration(retries.delayMs)} before a retry is too long: at most ${duration(MAX_RETRY_DELAY_MS)}`,
    });
  }
  return problems;
}

const KIND_OF = { string: "string", int: "number", float: "number", bool: "boolean" } as const;

/**
 * The values scheduled runs get, judged as the chores page judges a person's (validateSubmission,
 * the SDK's own validators): each names a declared input and has its type, every required
 * input without a default has one. A file input cannot be given one (there is nothing to upload
 * on a clock), and a secret's value written in the repository would be no secret.
 */
function judgeInputs(values: ScheduleDescription["inputs"], declared: ScriptDescription["inputs"]): ScheduleProblem[] {
  const problems: ScheduleProblem[] = [];
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    const input = Object.hasOwn(declared, name) ? declared[name]! : null;
    const option = `inputs.${name}`;
    if (input === null) problems.push({ option, message: `the chore has no input \`${name}\`` });
    else if (input.secret === true)
      problems.push({
        option,
        message: `\`${name}\` is a secret: a value committed to the repository is not secret; have the script read it from a variable of SCRIPT_ENV instead`,
      });
    else if (input.type === "file") problems.push({ option, message: `\`${name}\` is a file input: a scheduled run has no file to upload` });
    else if (typeof value !== KIND_OF[input.type]) problems.push({ option, message: `\`${name}\` is ${article(input.type)} input, not ${typeof value}` });
    else fields[name] = String(value);
  }
  for (const [name, input] of Object.entries(declared)) {
    if (!input.required || Object.hasOwn(values, name)) continue;
    const why =
      input.type === "file"
        ? "a required file input, and a scheduled run has no file to upload"
        : input.secret === true
          ? "a required secret, and its value cannot be written in the repository (give it a default in the script, read from SCRIPT_ENV)"
          : "required and has no default: give it a value in schedule.inputs";
    problems.push({ option: "inputs", message: `\`${name}\` is ${why}` });
  }
  if (problems.length > 0) return problems;
  const description: ScriptDescription = { description: null, inputs: declared, concurrency: "self", timeoutMs: null, env: null };
  let checked: SubmissionCheck;
  try {
    // The chore's patterns and these values come from the same author: one that backtracks without end must not hold the process.
    checked = withinTime(() => validateSubmission(description, { fields, files: {} }, 0), INPUTS_FILE_CHECK_MS);
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ERR_SCRIPT_EXECUTION_TIMEOUT") throw error;
    return [
      {
        option: "inputs",
        message: `the values could not be checked against the inputs' patterns within ${INPUTS_FILE_CHECK_MS} ms (one that backtracks without end?)`,
      },
    ];
  }
  if (checked.ok) return [];
  return Object.entries(checked.errors).map(([name, error]) => ({ option: `inputs.${name}`, message: `\`${name}\` ${error}` }));
}

function article(type: string): string {
  return type === "int" ? "an int" : `a ${type}`;
}

/** A duration in the largest unit that divides it, as the options are written ("90s", "15m", "1h"). */
function duration(ms: number): string {
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)}s` : `${ms}ms`;
}
