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
    expect(withReport(view, { type: "progress", done: 1, total: 3 }).progress).toBe(33);
    expect(withReport(view, { type: "progress", done: 7, total: null }).progress).toBe(7);
  });

  it("keeps the result, and leaves the rest alone", () => {
    expect(withReport(view, { type: "result", value: { sent: 1 } }).result).toEqual({ sent: 1 });
    expect(withReport(view, { type: "fail", reason: "no" })).toBe(view);
  });
});

describe("OutputTail", () => {
  it("keeps the last lines of a flood, oldest first", () => {
    const tail = new OutputTail(3);
    for (let i = 0; i < 100_000; i++) tail.add({ t: i, stream: "stdout", text: `line ${i}` });
    expect(tail.lines().map((line) => line.text)).toEqual(["line 99997", "line 99998", "line 99999"]);
  });

  it("is replaced by the recorded output's last lines", () => {
    const tail = new OutputTail(2);
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
