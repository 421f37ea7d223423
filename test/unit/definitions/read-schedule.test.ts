import { describe, expect, test } from "vitest";
import { readScriptDefinition } from "../../../src/definitions/read-definition.js";
import { defineScript, describeScript } from "../../../src/sdk/define-script.js";
import { int, string } from "../../../src/sdk/inputs.js";

const IMPORTS = 'import { defineScript, string, int } from "chorebot";\n';
const SDK = { defineScript, string, int };

/** The schedule as the SDK describes it at run time: the same text, evaluated with the real SDK. */
function atRuntime(schedule: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- evaluating the definition's text is the point
  const build = new Function(...Object.keys(SDK), `return defineScript({ inputs: { limit: int({ default: 1 }) }, schedule: ${schedule}, run() {} });`) as (
    ...sdk: unknown[]
  ) => Parameters<typeof describeScript>[0];
  return describeScript(build(...Object.values(SDK))).schedule;
}

/** A chore whose `schedule` starts on line 3, read statically. */
function read(schedule: string) {
  return readScriptDefinition(`${IMPORTS}export default defineScript({\n  schedule: ${schedule},\n  run() {},\n});\n`, "chores/x.ts");
}

/** Where `snippet` first occurs in the source `read` makes, 1-based. */
function at(schedule: string, snippet: string): { line: number; column: number } {
  const source = `${IMPORTS}export default defineScript({\n  schedule: ${schedule},\n  run() {},\n});\n`;
  const before = source.slice(0, source.indexOf(snippet)).split("\n");
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

describe("readSchedule agrees with the SDK's describeScript", () => {
  test.each([
    ["cron and a time zone", '{ cron: "0 3 * * *", timezone: "Europe/Berlin" }'],
    ["cron alone (UTC)", '{ cron: "*/15 * * * *" }'],
    ["every as a string", '{ every: "15m" }'],
    ["every as a number of seconds", "{ every: 90 }"],
    ["retries with the defaults", "{ every: '1h', retries: { attempts: 3 } }"],
    ["retries in full", '{ every: "1h", retries: { attempts: 4, backoff: "exponential", delay: "30s" } }'],
    ["retryOn, repeated", '{ cron: "0 * * * *", retryOn: ["failed", "timed_out", "lost", "failed"] }'],
    ["overlap and catchUp", '{ every: "5m", overlap: "queue", catchUp: "none" }'],
    ["inputs of each kind", '{ every: "1d", inputs: { limit: 10, region: "eu", dryRun: false, offset: -1, "odd-name": `x` } }'],
  ])("%s", (_, schedule) => {
    const reading = read(schedule);
    expect(reading.problems).toEqual([]);
    expect(reading.definition?.schedule).toStrictEqual(atRuntime(schedule));
  });

  test("TypeScript's erased wrappers read as the values inside them", () => {
    const wrapped = read('({ cron: "0 3 * * *" as const, retries: { attempts: 2 } satisfies object, overlap: <"skip">"skip" })');
    expect(wrapped.problems).toEqual([]);
    expect(wrapped.definition?.schedule).toStrictEqual(atRuntime('{ cron: "0 3 * * *", retries: { attempts: 2 }, overlap: "skip" }'));
  });

  test("no schedule is null, as describeScript has it", () => {
    expect(readScriptDefinition(`${IMPORTS}export default defineScript({ run() {} });\n`, "chores/x.ts").definition?.schedule).toBeNull();
  });
});

describe("readSchedule's problems, each where it is", () => {
  test.each([
    ["an unknown option", '{ cron: "0 3 * * *", when: "daily" }', "when:", "schedule has no option `when`"],
    ["neither cron nor every", '{ timezone: "UTC" }', "{ timezone", "exactly one of `cron` and `every`"],
    ["both cron and every", '{ cron: "0 3 * * *", every: "1h" }', 'every: "1h"', "exactly one of `cron` and `every`"],
    ["a time zone with every", '{ every: "1h", timezone: "Europe/Berlin" }', "timezone:", "timezone goes with `cron`"],
    ["a bad interval", '{ every: "15 minutes" }', "every:", 'schedule.every: invalid duration "15 minutes"'],
    ["a cron that is no string", "{ cron: 5 }", "5 }", 'schedule.cron must be a string like "text", not a number'],
    ["a cron from a name", "{ cron: DAILY }", "DAILY", "schedule.cron must be a literal"],
    ["retries that are no object", "{ every: '1h', retries: 3 }", "3 }", "schedule.retries must be an object literal"],
    ["attempts of zero", "{ every: '1h', retries: { attempts: 0 } }", "attempts:", "schedule.retries.attempts must be a whole number"],
    [
      "an unknown backoff",
      '{ every: "1h", retries: { attempts: 2, backoff: "linear" } }',
      "backoff:",
      "schedule.retries.backoff must be one of fixed, exponential",
    ],
    ["an unknown retries option", '{ every: "1h", retries: { attempts: 2, jitter: true } }', "jitter:", "schedule.retries has no option `jitter`"],
    ["an unknown end in retryOn", '{ every: "1h", retryOn: ["failed", "cancelled"] }', "retryOn:", 'schedule.retryOn: "cancelled" is not one of'],
    ["an unknown overlap", '{ every: "1h", overlap: "wait" }', "overlap:", "schedule.overlap must be one of skip, queue"],
    ["an input value from a name", "{ every: '1h', inputs: { limit: LIMIT } }", "LIMIT", "schedule.inputs.limit must be a literal string, number or boolean"],
    ["an input value that is an object", "{ every: '1h', inputs: { limit: { n: 1 } } }", "{ n: 1 }", "schedule.inputs.limit must be a literal"],
    ["a schedule from a name", "SCHEDULE", "SCHEDULE", "schedule must be an object literal"],
    ["a spread", "{ ...BASE, every: '1h' }", "...BASE", "schedule: write each property as `name: value` instead of a spread"],
  ])("%s", (_, schedule, snippet, message) => {
    const reading = read(schedule);
    expect(reading.definition).toBeNull();
    expect(reading.problems).toEqual([{ ...at(schedule, snippet), message: expect.stringContaining(message) }]);
  });

  test("a problem on a later line of a written-out schedule is on that line", () => {
    const schedule = '{\n    cron: "0 3 * * *",\n    retries: {\n      attempts: 2,\n      delay: "soon",\n    },\n  }';
    expect(read(schedule).problems).toEqual([{ line: 7, column: 7, message: expect.stringContaining("schedule.retries.delay") }]);
  });
});
