import { describe, expect, it } from "vitest";
import { latestCounters, numericProgress, parseCountersLine, reportProgress, runPhase, waitingReason } from "../../../src/api/run-state.js";

describe("runPhase", () => {
  it("maps the execute job's state, and once it is done its cleanup's", () => {
    const cases: [string, string, string][] = [
      ["unknown", "unknown", "queued"],
      ["waiting-children", "waiting-children", "queued"],
      ["waiting", "waiting-children", "waiting"],
      ["delayed", "waiting-children", "waiting"],
      ["prioritized", "unknown", "waiting"],
      ["active", "waiting-children", "running"],
      ["completed", "waiting", "recording"],
      ["completed", "active", "recording"],
      ["completed", "failed", "recording"],
      ["failed", "unknown", "recording"],
      ["completed", "completed", "finished"],
      ["failed", "completed", "finished"],
    ];
    for (const [execute, cleanup, phase] of cases) expect({ execute, cleanup, phase: runPhase(execute, cleanup) }).toEqual({ execute, cleanup, phase });
  });
});

describe("job progress", () => {
  it("reads the waiting reason takeTurn leaves in the progress", () => {
    expect(waitingReason({ waiting: "self lock held by run-a#1" })).toBe("self lock held by run-a#1");
    for (const progress of [0, 40, null, undefined, {}, { waiting: 3 }, "waiting"]) expect(waitingReason(progress)).toBeNull();
  });

  it("keeps only a numeric progress", () => {
    expect(numericProgress(40)).toBe(40);
    expect(numericProgress(0)).toBe(0);
    for (const progress of [{ waiting: "x" }, NaN, "40", null]) expect(numericProgress(progress)).toBeNull();
  });

  it("turns a finished run's reported progress into the same number", () => {
    expect(reportProgress({ done: 3, total: 4 })).toBe(75);
    expect(reportProgress({ done: 12, total: null })).toBe(12);
    expect(reportProgress(null)).toBeNull();
    expect(reportProgress(undefined)).toBeNull();
  });
});

describe("parseCountersLine", () => {
  it("parses the line liveReport writes", () => {
    expect(parseCountersLine("counters: rows=3, skipped=1")).toEqual({ rows: 3, skipped: 1 });
    expect(parseCountersLine("counters: a=-2, b=1.5, c=1e3")).toEqual({ a: -2, b: 1.5, c: 1000 });
    expect(parseCountersLine("counters: ")).toEqual({});
  });

  it("keeps names that hold `=` or `, `", () => {
    expect(parseCountersLine("counters: x=y=2, a, b=3")).toEqual({ "x=y": 2, "a, b": 3 });
  });

  it("is null for other lines", () => {
    for (const line of ["attempt 1: running scripts/a.ts in /srv", "counters:a=1", "counters: a=one", "counters: a=1, b", "rows=3"]) {
      expect(parseCountersLine(line)).toBeNull();
    }
  });
});

describe("latestCounters", () => {
  it("takes the newest counters line of the attempt running now", () => {
    const logs = ["a log line", "counters: rows=7", "counters: rows=3", "attempt 2: running scripts/a.ts in /srv", "counters: rows=99"];
    expect(latestCounters(logs)).toEqual({ rows: 7 });
  });

  it("is null when the running attempt reported none, even if an earlier one did", () => {
    expect(latestCounters(["a log line", "attempt 2: running scripts/a.ts in /srv", "counters: rows=99"])).toBeNull();
    expect(latestCounters([])).toBeNull();
  });
});
