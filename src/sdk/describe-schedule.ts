import type { ScheduleDefinition } from "./define-script.js";
import { parseDuration } from "./parse-duration.js";
import { BACKOFF, CATCH_UP, OVERLAP, RETRY_ON, type RetryOn, type ScheduleDescription } from "./protocol.js";

/**
 * A `schedule` as the worker and the UIs see it, defaults filled in. Checks its shape only
 * (which options, of which types); throws an Error naming the option otherwise. Whether the
 * cron expression, time zone, interval and attempts are allowed is the server's to judge.
 * The SDK (at defineScript) and the static reader (on the literal it read) both call this.
 * Throws a ScheduleOptionError naming the option.
 */
export function describeSchedule(schedule: ScheduleDefinition): ScheduleDescription {
  if (typeof schedule !== "object" || schedule === null || Array.isArray(schedule))
    throw new ScheduleOptionError("", 'schedule must be an object like { cron: "0 3 * * *" }');
  for (const key of Object.keys(schedule)) {
    if (!SCHEDULE_OPTIONS.includes(key)) throw new ScheduleOptionError(key, `schedule has no option \`${key}\` (it has ${SCHEDULE_OPTIONS.join(", ")})`);
  }
  const { cron, every, timezone } = schedule;
  if ((cron === undefined) === (every === undefined))
    throw new ScheduleOptionError(cron === undefined ? "" : "every", "schedule needs exactly one of `cron` and `every`");
  if (cron !== undefined && typeof cron !== "string") throw new ScheduleOptionError("cron", 'schedule.cron must be a string such as "0 3 * * *"');
  if (timezone !== undefined && typeof timezone !== "string")
    throw new ScheduleOptionError("timezone", 'schedule.timezone must be a string such as "Europe/Berlin"');
  if (timezone !== undefined && every !== undefined)
    throw new ScheduleOptionError("timezone", "schedule.timezone goes with `cron`; an `every` interval is the same in every time zone");
  const everyMs = every === undefined ? null : durationOf(every, "every");
  const retries = schedule.retries ?? { attempts: 1 };
  if (typeof retries !== "object" || retries === null)
    throw new ScheduleOptionError("retries", 'schedule.retries must be an object like { attempts: 3, delay: "1m" }');
  for (const key of Object.keys(retries)) {
    if (!["attempts", "backoff", "delay"].includes(key))
      throw new ScheduleOptionError(`retries.${key}`, `schedule.retries has no option \`${key}\` (it has attempts, backoff, delay)`);
  }
  if (!Number.isInteger(retries.attempts) || retries.attempts < 1)
    throw new ScheduleOptionError("retries.attempts", "schedule.retries.attempts must be a whole number, at least 1 (the first try included)");
  const backoff = retries.backoff ?? "fixed";
  if (!BACKOFF.includes(backoff))
    throw new ScheduleOptionError("retries.backoff", `schedule.retries.backoff must be one of ${BACKOFF.join(", ")}, not ${JSON.stringify(backoff)}`);
  const retryOn: readonly unknown[] = schedule.retryOn ?? ["failed"];
  if (!Array.isArray(retryOn)) throw new ScheduleOptionError("retryOn", `schedule.retryOn must be an array of ${RETRY_ON.join(", ")}`);
  const ends = retryOn.map((end) => {
    if (!(RETRY_ON as readonly unknown[]).includes(end))
      throw new ScheduleOptionError("retryOn", `schedule.retryOn: ${JSON.stringify(end)} is not one of ${RETRY_ON.join(", ")}`);
    return end as RetryOn;
  });
  const overlap = schedule.overlap ?? "skip";
  if (!OVERLAP.includes(overlap))
    throw new ScheduleOptionError("overlap", `schedule.overlap must be one of ${OVERLAP.join(", ")}, not ${JSON.stringify(overlap)}`);
  const catchUp = schedule.catchUp ?? "latest";
  if (!CATCH_UP.includes(catchUp))
    throw new ScheduleOptionError("catchUp", `schedule.catchUp must be one of ${CATCH_UP.join(", ")}, not ${JSON.stringify(catchUp)}`);
  const inputs = schedule.inputs ?? {};
  if (typeof inputs !== "object" || inputs === null || Array.isArray(inputs))
    throw new ScheduleOptionError("inputs", "schedule.inputs must be an object of values by input name");
  for (const [name, value] of Object.entries(inputs)) {
    if (!["string", "number", "boolean"].includes(typeof value))
      throw new ScheduleOptionError(`inputs.${name}`, `schedule.inputs.${name} must be a string, number or boolean`);
  }
  return {
    cron: cron ?? null,
    everyMs,
    timezone: timezone ?? "UTC",
    retries: { attempts: retries.attempts, backoff, delayMs: retries.delay === undefined ? 0 : durationOf(retries.delay, "retries.delay") },
    retryOn: [...new Set(ends)],
    overlap,
    catchUp,
    inputs: { ...inputs },
  };
}

const SCHEDULE_OPTIONS = ["cron", "timezone", "every", "retries", "retryOn", "overlap", "catchUp", "inputs"];

function durationOf(value: unknown, option: string): number {
  if (typeof value !== "number" && typeof value !== "string")
    throw new ScheduleOptionError(option, `schedule.${option} must be a duration such as "15m" or a number of seconds`);
  try {
    return parseDuration(value);
  } catch (error) {
    throw new ScheduleOptionError(option, `schedule.${option}: ${(error as Error).message}`, { cause: error });
  }
}

/** What describeSchedule throws: the message, and the option it is about (`cron`, `retries.attempts`, `inputs.limit`; "" for the whole schedule), for a reader to point at. */
export class ScheduleOptionError extends Error {
  constructor(
    readonly option: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "ScheduleOptionError";
  }
}
