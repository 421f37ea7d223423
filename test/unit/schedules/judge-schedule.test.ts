import { describe, expect, it } from "vitest";
import { judgeSchedule, MAX_EVERY_MS } from "../../../src/schedules/judge-schedule.js";
import { MAX_RETRY_DELAY_MS } from "../../../src/schedules/next-try.js";
import { describeSchedule } from "../../../src/sdk/describe-schedule.js";
import type { ScheduleDefinition } from "../../../src/sdk/define-script.js";
import type { ScriptDescription } from "../../../src/sdk/protocol.js";

const LIMITS = { minIntervalMs: 60_000, maxAttempts: 5 };
const NOW = Date.parse("2026-12-06T12:00:00Z");
const judge = (schedule: ScheduleDefinition, inputs: ScriptDescription["inputs"] = {}, limits = LIMITS) =>
  judgeSchedule(describeSchedule(schedule), inputs, limits, NOW);
const options = (problems: { option: string }[]) => problems.map((p) => p.option);

describe("judgeSchedule: when it runs", () => {
  it("accepts cron expressions BullMQ's parser reads, in a time zone, and intervals at the minimum", () => {
    expect(judge({ cron: "0 3 * * *", timezone: "Europe/Berlin" })).toEqual([]);
    expect(judge({ cron: "*/15 * * * *" })).toEqual([]);
    expect(judge({ cron: "0 9 * * MON-FRI", timezone: "America/New_York" })).toEqual([]);
    expect(judge({ cron: "@daily" })).toEqual([]);
    expect(judge({ every: "1m" })).toEqual([]);
  });

  it("refuses an expression the parser refuses, with its reason", () => {
    const [problem] = judge({ cron: "61 * * * *" });
    expect(problem).toEqual({ option: "cron", message: expect.stringMatching(/not a valid cron expression: .*61/) });
    expect(options(judge({ cron: "* * * * * * *" }))).toEqual(["cron"]);
    expect(options(judge({ cron: "0 3 * * FUNDAY" }))).toEqual(["cron"]);
    // cron-parser alone would read these as every minute.
    expect(judge({ cron: "" })).toEqual([{ option: "cron", message: expect.stringContaining("empty") }]);
    expect(judge({ cron: " \n " })).toEqual([{ option: "cron", message: expect.stringContaining("empty") }]);
  });

  it("refuses an expression with no next occurrence (BullMQ would create no scheduler)", () => {
    expect(judge({ cron: "0 0 31 2 *" })[0]?.message).toMatch(/0 0 31 2 \*/);
    expect(judge({ cron: "0 0 30 2 *" })).toHaveLength(1);
  });

  it("refuses a hashed H: it is random each time BullMQ reads the expression, so occurrences would wander", () => {
    expect(judge({ cron: "H 3 * * *" })[0]).toEqual({ option: "cron", message: expect.stringMatching(/H/) });
    // THU is an alias, not a hash.
    expect(judge({ cron: "0 3 * * THU" })).toEqual([]);
  });

  it("refuses a time zone the scheduler does not know instead of reading it as UTC", () => {
    for (const timezone of ["Europe/Berlinn", "Mars/Olympus", "local", "system", "", "UTC+2", "x".repeat(10_000)]) {
      expect(judge({ cron: "0 3 * * *", timezone }), timezone).toEqual([{ option: "timezone", message: expect.stringContaining("not an IANA time zone") }]);
    }
  });

  it("measures a cron expression by the smallest gap between two occurrences", () => {
    expect(judge({ cron: "*/10 * * * * *" })).toEqual([{ option: "cron", message: expect.stringContaining("every 10s") }]);
    expect(judge({ cron: "*/10 * * * * *" }, {}, { ...LIMITS, minIntervalMs: 10_000 })).toEqual([]);
    // Once a year only, but two occurrences a minute apart then.
    expect(judge({ cron: "0,1 0 1 1 *" }, {}, { ...LIMITS, minIntervalMs: 3_600_000 })).toEqual([
      { option: "cron", message: expect.stringContaining("every 1m") },
    ]);
    // The last time of a day and the first of the next: 23:30 and 00:10 are 40 minutes apart.
    expect(judge({ cron: "10,30 0,23 * * *" }, {}, { ...LIMITS, minIntervalMs: 3_600_000 })[0]?.message).toContain("every 20m");
    expect(judge({ cron: "0 3 * * *" }, {}, { ...LIMITS, minIntervalMs: 86_400_000 })).toEqual([]);
  });

  it("counts the gap a change of the clock makes: a day of 23 hours in Berlin", () => {
    const limits = { ...LIMITS, minIntervalMs: 86_400_000 };
    expect(judge({ cron: "0 3 * * *" }, {}, limits)).toEqual([]);
    const [problem] = judge({ cron: "0 3 * * *", timezone: "Europe/Berlin" }, {}, limits);
    expect(problem?.option).toBe("cron");
    expect(problem?.message).toContain("every 23h");
    expect(problem?.message).toContain("2027-03-28T01:00:00.000Z");
  });

  it("refuses an interval under the server's minimum, or over a year", () => {
    expect(judge({ every: "59s" })).toEqual([{ option: "every", message: expect.stringContaining("minimum is 1m (SCHEDULE_MIN_INTERVAL)") }]);
    expect(judge({ every: MAX_EVERY_MS / 1000 + 1 })).toEqual([{ option: "every", message: expect.stringContaining("too long") }]);
    expect(judge({ every: "99999999999d" })).toEqual([{ option: "every", message: expect.stringContaining("too long") }]);
  });

  it("is quick enough to call for every occurrence, on expressions a hostile pull request would pick", () => {
    // Every second of the day in zones with clock changes (a half-hour one on Lord Howe), days
    // that come once in years, and the longest list of values the parser takes.
    const hostile: ScheduleDefinition[] = [
      { cron: "* * * * * *", timezone: "Australia/Lord_Howe" },
      { cron: "* * * * *", timezone: "Europe/Berlin" },
      { cron: "0 0 29 2 *", timezone: "America/New_York" },
      { cron: "0 0 * 2 5#5", timezone: "Pacific/Chatham" },
      { cron: `${Array.from({ length: 60 }, (_, i) => i).join(",")} * * * * *`, timezone: "America/Santiago" },
    ];
    for (const schedule of hostile) {
      const start = performance.now();
      judge(schedule, {}, { ...LIMITS, minIntervalMs: 1000 });
      expect(performance.now() - start, schedule.cron).toBeLessThan(1000);
    }
  });
});

describe("judgeSchedule: retries", () => {
  it("allows up to the server's tries, the first included, and waits up to the longest retry delay", () => {
    expect(judge({ every: "1h", retries: { attempts: 5, delay: MAX_RETRY_DELAY_MS / 1000 } })).toEqual([]);
    expect(judge({ every: "1h", retries: { attempts: 6 } })).toEqual([{ option: "retries.attempts", message: expect.stringContaining("at most 5") }]);
    expect(judge({ every: "1h", retries: { attempts: 2, delay: "2h" } })).toEqual([
      { option: "retries.delay", message: expect.stringContaining("at most 1h") },
    ]);
  });
});

const limit = { type: "int", required: false, default: 100, min: 1, max: 1000 } as const;
const region = { type: "string" as const, required: true, choices: ["eu", "us"] };

describe("judgeSchedule: inputs", () => {
  it("accepts values the chores page would accept, and inputs left to their defaults", () => {
    expect(judge({ every: "1h", inputs: { region: "eu", limit: 10 } }, { limit, region })).toEqual([]);
    expect(judge({ every: "1h", inputs: { region: "us" } }, { limit, region })).toEqual([]);
  });

  it("refuses a value its input refuses, with the validator's message", () => {
    expect(judge({ every: "1h", inputs: { region: "asia" } }, { region })).toEqual([
      { option: "inputs.region", message: '`region` must be one of "eu", "us", got "asia"' },
    ]);
    expect(judge({ every: "1h", inputs: { region: "eu", limit: 0 } }, { limit, region })).toEqual([
      { option: "inputs.limit", message: expect.stringContaining("between 1 and 1000") },
    ]);
    const code = { type: "string", required: true, pattern: "^[A-Z]{3}$" } as const;
    expect(options(judge({ every: "1h", inputs: { code: "abc" } }, { code }))).toEqual(["inputs.code"]);
  });

  it("refuses a value of the wrong type, a name the chore does not declare, and a missing required input", () => {
    expect(judge({ every: "1h", inputs: { region: "eu", limit: "10" } }, { limit, region })).toEqual([
      { option: "inputs.limit", message: "`limit` is an int input, not string" },
    ]);
    expect(judge({ every: "1h", inputs: { region: "eu", regoin: "us" } }, { region })).toEqual([
      { option: "inputs.regoin", message: "the chore has no input `regoin`" },
    ]);
    expect(judge({ every: "1h" }, { region })).toEqual([{ option: "inputs", message: expect.stringContaining("`region` is required and has no default") }]);
  });

  it("refuses a secret's value written in the repository, and a file input (nothing to upload on a clock)", () => {
    const token = { type: "string", required: false, secret: true } as const;
    expect(judge({ every: "1h", inputs: { token: "s3cr3t-value" } }, { token })).toEqual([
      { option: "inputs.token", message: expect.stringContaining("SCRIPT_ENV") },
    ]);
    expect(judge({ every: "1h" }, { token: { ...token, required: true } })[0]?.message).toContain("required secret");
    const upload = { type: "file", required: false } as const;
    expect(judge({ every: "1h", inputs: { upload: "/etc/passwd" } }, { upload })).toEqual([
      { option: "inputs.upload", message: expect.stringContaining("file input") },
    ]);
    expect(judge({ every: "1h" }, { upload: { ...upload, required: true } })[0]?.message).toContain("required file input");
    expect(judge({ every: "1h" }, { upload })).toEqual([]);
  });

  it("stops a pattern that backtracks without end instead of hanging", () => {
    const word = { type: "string", required: true, pattern: "^(a+)+$" } as const;
    const start = Date.now();
    const problems = judge({ every: "1h", inputs: { word: `${"a".repeat(40)}!` } }, { word });
    expect(problems).toEqual([{ option: "inputs", message: expect.stringContaining("within 1000 ms") }]);
    expect(Date.now() - start).toBeLessThan(5000);
  });
});
