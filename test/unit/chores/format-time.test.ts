import { expect, it } from "vitest";
import { formatDuration, formatOffset, formatTime } from "../../../src/chores/format-time.js";

it("formats durations, times and offsets", () => {
  expect([850, 12_340, 245_000, 60_000, 7_380_000, 3_600_000].map(formatDuration)).toEqual(["850 ms", "12.3 s", "4 min 5 s", "1 min", "2 h 3 min", "1 h"]);
  expect(formatTime("2026-12-06T08:41:49.123Z")).toBe("2026-12-06 08:41:49 UTC");
  expect(formatTime("not a time")).toBe("not a time");
  expect(formatOffset(1234)).toBe("+1.234s");
});
