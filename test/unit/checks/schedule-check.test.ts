import { describe, expect, it } from "vitest";
import { nextOccurrences } from "../../../src/schedules/next-occurrences.js";
import { pullRequestCheckHarness } from "./pull-request-check-harness.js";

/** A chore (or script) at `path` whose definition has `schedule` written from line 5 on. */
function source(schedule: string[], inputs = 'inputs: { region: string({ choices: ["eu", "us"], default: "eu" }), limit: int({ default: 10, max: 100 }) },') {
  return [
    'import { defineScript, int, string } from "chorebot";',
    "export default defineScript({",
    '  description: "Purges expired sessions",',
    `  ${inputs}`,
    ...schedule.map((line) => `  ${line}`),
    "  async run({ inputs }) { console.log(inputs); },",
    "});",
    "",
  ].join("\n");
}

describe("the pull request check and schedules", () => {
  const analyze = pullRequestCheckHarness("schedule");

  it("shows a chore's schedule in words and its next five occurrences in its time zone and in UTC", async () => {
    const before = Date.now();
    const report = await analyze({ "chores/purge.ts": source(['schedule: { cron: "30 3 * * 1-5", timezone: "Europe/Berlin", inputs: { region: "us" } },']) });
    const after = Date.now();
    expect(report.annotations).toEqual([]);
    expect(report.conclusion).toBe("success");
    expect(report.title).toBe("1 chore (runs on demand, not on merge); 1 on a schedule; 1 approval missing");
    expect(report.summary).toContain("### Schedules");
    expect(report.summary).toContain("**`chores/purge.ts`** runs at 03:30, on Monday to Friday (`30 3 * * 1-5`, Europe/Berlin time).");
    expect(report.summary).toContain("| Next occurrences (Europe/Berlin) | UTC |");
    // The rows are the parser's next five times (the same ones from any instant the check may have counted from).
    const rows = report.summary.split("\n").filter((line) => /^\| (Mon|Tue|Wed|Thu|Fri|Sat|Sun) /.test(line));
    expect(rows).toHaveLength(5);
    const expected = nextOccurrences({ cron: "30 3 * * 1-5", everyMs: null, timezone: "Europe/Berlin" }, before, 5);
    expect(nextOccurrences({ cron: "30 3 * * 1-5", everyMs: null, timezone: "Europe/Berlin" }, after, 5)).toEqual(expected);
    rows.forEach((row, i) => {
      const [berlin, utc] = row
        .split("|")
        .slice(1, 3)
        .map((cell) => cell.trim());
      expect(berlin).toMatch(/^(Mon|Tue|Wed|Thu|Fri) \d{4}-\d\d-\d\d 03:30$/);
      const iso = new Date(expected[i]!).toISOString();
      expect(utc).toContain(`${iso.slice(0, 10)} ${iso.slice(11, 16)}`);
    });
  });

  it("says when an interval starts: with the merge", async () => {
    const report = await analyze({ "chores/sync.ts": source(['schedule: { every: "15m" },']) });
    expect(report.conclusion).toBe("success");
    expect(report.summary).toContain("**`chores/sync.ts`** runs every 15 min (a new schedule starts with the merge: its first run right after it).");
  });

  it("fails an invalid cron expression on its line, and says the chore will not be scheduled", async () => {
    const report = await analyze({ "chores/purge.ts": source(["schedule: {", '  cron: "0 25 * * *",', '  timezone: "Europe/Berlin",', "},"]) });
    expect(report.conclusion).toBe("failure");
    expect(report.annotations).toEqual([
      expect.objectContaining({
        path: "chores/purge.ts",
        start_line: 6,
        annotation_level: "failure",
        title: "Invalid schedule",
        message: expect.stringContaining("schedule.cron:"),
      }),
    ]);
    expect(report.summary).toContain("its schedule is invalid (1 problem): a merge schedules nothing for it");
    expect(report.summary).not.toContain("### Schedules");
  });

  it("fails each problem the server's limits find, on the line of its option", async () => {
    const report = await analyze(
      {
        "chores/purge.ts": source([
          "schedule: {",
          '  every: "30s",',
          "  retries: {",
          "    attempts: 4,",
          '    delay: "1m",',
          "  },",
          "  inputs: {",
          '    region: "asia",',
          "  },",
          "},",
        ]),
      },
      { schedules: { minIntervalMs: 60_000, maxAttempts: 3 } },
    );
    const at = report.annotations.map((a) => [a.start_line, a.message.split(":")[0]]);
    expect(at).toEqual([
      [6, "schedule.every"],
      [8, "schedule.retries.attempts"],
      [12, "schedule.inputs.region"],
    ]);
    expect(report.annotations.every((a) => a.annotation_level === "failure" && a.title === "Invalid schedule")).toBe(true);
  });

  it("uses the server's limits: SCHEDULE_MIN_INTERVAL decides whether every 30 s is allowed", async () => {
    const report = await analyze({ "chores/sync.ts": source(['schedule: { every: "30s" },']) }, { schedules: { minIntervalMs: 10_000, maxAttempts: 5 } });
    expect(report.conclusion).toBe("success");
  });

  it("refuses a secret's value written in the source: it would be in the repository for good", async () => {
    const report = await analyze({
      "chores/sync.ts": source(
        ["schedule: {", '  every: "1h",', '  inputs: { token: "hunter2-hunter2" },', "},"],
        "inputs: { token: string({ secret: true, optional: true }) },",
      ),
    });
    expect(report.annotations).toEqual([expect.objectContaining({ start_line: 7, message: expect.stringContaining("SCRIPT_ENV") })]);
  });

  it("fails a schedule in a one-off script under scripts/: it runs once when merged", async () => {
    const report = await analyze({ "scripts/2026-12-purge.ts": source(["", 'schedule: { every: "1h" },']) });
    expect(report.conclusion).toBe("failure");
    expect(report.annotations).toEqual([
      expect.objectContaining({
        path: "scripts/2026-12-purge.ts",
        start_line: 6,
        title: "Schedule in a one-off script",
        message: expect.stringContaining("a one-off script runs once when merged"),
      }),
    ]);
  });

  it("reports a schedule the reader cannot read at the option, as a definition problem", async () => {
    const report = await analyze({ "chores/purge.ts": source(["schedule: {", "  cron: DAILY,", "},"]) });
    expect(report.annotations).toEqual([
      expect.objectContaining({ start_line: 6, title: "Definition not readable", message: expect.stringContaining("schedule.cron must be a literal") }),
    ]);
  });
});
