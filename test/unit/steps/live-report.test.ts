import type { Job } from "bullmq";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { liveState, readLiveState, type LiveState } from "../../../src/pipeline/live-state.js";
import { liveReport } from "../../../src/steps/live-report.js";

/** A job that keeps what is written to it, as Redis would: the progress as JSON, the log lines. */
function fakeJob() {
  const progress: unknown[] = [];
  const logs: string[] = [];
  const job = {
    updateProgress: async (value: unknown) => void progress.push(JSON.parse(JSON.stringify(value))),
    log: async (line: string) => logs.push(line),
  };
  return { job: job as unknown as Job, progress, logs, state: (): LiveState => readLiveState(progress.at(-1)) };
}

describe("liveReport", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("replaces the last attempt's state with this one's at once", async () => {
    const { job, progress } = fakeJob();
    const live = liveReport(job, { attempt: 2 });
    await vi.advanceTimersByTimeAsync(0);
    expect(progress).toEqual([liveState(2)]);
    await live.flush();
    expect(progress).toHaveLength(1);
  });

  it("keeps the progress, counters and number of log lines as data, and the log lines and counters for people", async () => {
    const { job, logs, state } = fakeJob();
    const live = liveReport(job, { attempt: 1 });
    live.onReport({ type: "log", message: "checking users" });
    live.onReport({ type: "progress", done: 3, total: 4 });
    live.onReport({ type: "counter", name: "rows", op: "set", value: 2 });
    live.onReport({ type: "counter", name: "rows", op: "inc", value: 5 });
    live.onReport({ type: "counter", name: "a, b=c", op: "set", value: 1 });
    await live.flush();
    expect(state()).toEqual({ ...liveState(1), progress: 75, done: 3, total: 4, percent: 75, counters: { rows: 7, "a, b=c": 1 }, logLines: 1 });
    expect(logs).toEqual(["checking users", "counters: rows=7, a, b=c=1"]);
  });

  it("writes at most twice a second however often the script reports", async () => {
    const { job, progress, logs, state } = fakeJob();
    const live = liveReport(job, { attempt: 1 });
    for (let second = 0; second < 4; second++) {
      for (let i = 0; i < 25_000; i++) {
        live.onReport({ type: "progress", done: second * 25_000 + i + 1, total: 100_000 });
        live.onReport({ type: "counter", name: "rows", op: "inc", value: 1 });
        live.onReport({ type: "log", message: `row ${i}` });
      }
      await vi.advanceTimersByTimeAsync(1_000);
    }
    await live.flush();
    // The attempt's first state, two a second for 4 s, and the last one.
    expect(progress.length).toBeLessThanOrEqual(1 + 8 + 1);
    expect(state()).toMatchObject({ progress: 100, done: 100_000, counters: { rows: 100_000 }, logLines: 100_000 });
    // The first 500 lines, a counters line every 2 s and one for the end, and what was left out.
    expect(logs.filter((line) => line.startsWith("row "))).toHaveLength(500);
    expect(logs.filter((line) => line.startsWith("counters: ")).length).toBeLessThanOrEqual(3);
    expect(logs.at(-1)).toBe("… 99500 more log lines (see the run log)");
  });

  it("says who cancelled the run as soon as it is asked", async () => {
    const { job, state } = fakeJob();
    const cancel = new AbortController();
    const live = liveReport(job, { attempt: 1, cancel: cancel.signal });
    live.onReport({ type: "progress", done: 1, total: 2 });
    cancel.abort({ by: "dave", at: new Date().toISOString() });
    await vi.advanceTimersByTimeAsync(0);
    expect(state()).toMatchObject({ cancelledBy: "dave", progress: 50 });
    await live.flush();
  });

  it("says who cancelled a run whose request came before it started reporting", async () => {
    const { job, state } = fakeJob();
    const cancel = new AbortController();
    cancel.abort({ by: "erin", at: new Date().toISOString() });
    const live = liveReport(job, { attempt: 1, cancel: cancel.signal });
    await live.flush();
    expect(state()).toEqual({ ...liveState(1), cancelledBy: "erin" });
  });
});
