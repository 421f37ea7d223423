import { describe, expect, it } from "vitest";
import type { ChoreRunView } from "../../../src/chores/chore-run-view.js";
import { OutputTail } from "../../../src/preview/output-tail.js";
import { withReport } from "../../../src/preview/run-view-report.js";

const view = { counters: null, progress: null, result: null } as unknown as ChoreRunView;

describe("withReport", () => {
  it("sets and adds to counters, without changing the view it was given", () => {
    let next = withReport(view, { type: "counter", name: "sent", op: "set", value: 2 });
    next = withReport(next, { type: "counter", name: "sent", op: "inc", value: 3 });
    next = withReport(next, { type: "counter", name: "skipped", op: "inc", value: 1 });
    expect(next.counters).toEqual({ sent: 5, skipped: 1 });
    expect(view.counters).toBeNull();
  });

  it("shows progress as a percentage with a total, as the count without one", () => {
    expect(withReport(view, { type: "progress", done: 1, total: 3 })).toMatchObject({ progress: 33, progress_done: 1, progress_total: 3 });
    expect(withReport(view, { type: "progress", done: 7, total: null })).toMatchObject({ progress: 7, progress_done: 7, progress_total: null });
  });

  it("keeps the result, and leaves the rest alone", () => {
    expect(withReport(view, { type: "result", value: { sent: 1 } }).result).toEqual({ sent: 1 });
    expect(withReport(view, { type: "fail", reason: "no" })).toBe(view);
  });
});

describe("OutputTail", () => {
  it("keeps the last lines of a flood, oldest first", () => {
    const tail = new OutputTail(0, 3);
    for (let i = 0; i < 100_000; i++) tail.add({ t: i, stream: "stdout", text: `line ${i}` });
    expect(tail.lines().map((line) => line.text)).toEqual(["line 99997", "line 99998", "line 99999"]);
  });

  it("gives a log() line the time since the script started, as its printed lines tell it, and never goes back in time", () => {
    // The run began at 1000 on performance.now()'s clock; the script started later, at 1300.
    const tail = new OutputTail(1000);
    tail.addLog("before any output", 1400);
    tail.add({ t: 50, stream: "stdout", text: "printed" }, 1350);
    tail.add({ t: 500, stream: "stdout", text: "later" }, 1810);
    tail.addLog("after it", 1900);
    tail.add({ t: 650, stream: "stderr", text: "last" }, 1950);
    expect(tail.lines().map((line) => [line.t, line.text])).toEqual([
      [400, "before any output"],
      [400, "printed"],
      [500, "later"],
      [600, "after it"],
      [650, "last"],
    ]);
  });

  it("is replaced by the recorded output's last lines", () => {
    const tail = new OutputTail(0, 2);
    tail.add({ t: 0, stream: "stdout", text: "live" });
    tail.replace([
      { t: 1, stream: "stdout", text: "a" },
      { t: 2, stream: "log", text: "b" },
      { t: 3, stream: "stderr", text: "c" },
    ]);
    expect(tail.lines()).toEqual([
      { t: 2, stream: "log", text: "b" },
      { t: 3, stream: "stderr", text: "c" },
    ]);
  });
});
