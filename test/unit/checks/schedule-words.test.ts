import { describe, expect, it } from "vitest";
import { scheduleWords } from "../../../src/checks/schedule-words.js";

const words = (cron: string) => scheduleWords({ cron, everyMs: null, timezone: "UTC" });

describe("scheduleWords", () => {
  it.each([
    ["0 3 * * *", "at 03:00, every day"],
    ["30 3 * * 1-5", "at 03:30, on Monday to Friday"],
    ["0 9,17 * * 1,3", "at 09:00 and 17:00, on Monday and Wednesday"],
    ["*/15 * * * *", "every 15 min, every day"],
    ["* * * * *", "every minute, every day"],
    ["*/10 * * * * *", "every 10 s, every day"],
    ["5 * * * *", "every hour at minute 5, every day"],
    ["0 */6 * * *", "at 00:00, 06:00, 12:00 and 18:00, every day"],
    ["0 */2 * * *", "every 2 h, on the hour, every day"],
    ["0 0 1,15 * *", "at 00:00, on day 1 and 15 of the month"],
    ["0 0 1 1,7 *", "at 00:00, on day 1 of the month in January and July"],
    ["0 0 * 2 *", "at 00:00, every day in February"],
    ["15 4 * * SUN", "at 04:15, on Sunday"],
    ["0 0 L * *", "at 00:00, on the days `0 0 L * *` selects"],
    ["0 0 * * 1#2", "at 00:00, on the days `0 0 * * 1#2` selects"],
    ["7,21 1,13 * * *", "at 01:07, 01:21, 13:07 and 13:21, every day"],
    ["7,21,33 1,13 * * *", "6 times a day, every day"],
  ])("%s: %s", (cron, expected) => {
    expect(words(cron)).toBe(expected);
  });

  it("says an interval starts with the merge", () => {
    expect(scheduleWords({ cron: null, everyMs: 900_000, timezone: "UTC" })).toBe(
      "every 15 min (a new schedule starts with the merge: its first run right after it)",
    );
  });
});
