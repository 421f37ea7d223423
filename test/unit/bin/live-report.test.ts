/* eslint-disable no-control-regex -- what a terminal is sent is control characters */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { LiveReport } from "../../../src/bin/live-report.js";

/** A terminal (or a pipe) that records what was written, on a clock the test moves. */
function terminal(isTTY: boolean) {
  const writes: string[] = [];
  const out = { isTTY, columns: 60, write: (text: string) => writes.push(text) };
  return { out, writes, text: () => writes.join("") };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());
const now = () => Date.now();

describe("LiveReport not on a terminal", () => {
  test("a flood of progress and counters gives at most a line of each a second, and the last state at the end", () => {
    const { out, writes } = terminal(false);
    const live = new LiveReport(out, now);
    // A million reports over 3.5 s.
    for (let i = 1; i <= 1_000_000; i++) {
      live.report({ type: "progress", done: i, total: 1_000_000 });
      live.report({ type: "counter", name: "rows", op: "set", value: i });
      if (i % 1000 === 0) vi.advanceTimersByTime(3.5);
    }
    live.finish();
    const progress = writes.filter((w) => w.startsWith("[progress]"));
    const counters = writes.filter((w) => w.startsWith("[counters]"));
    // At 0, 1, 2, 3 s, then the end.
    expect(progress.length).toBe(5);
    expect(counters.length).toBe(5);
    expect(progress[0]).toBe("[progress] 1/1000000 0%\n");
    expect(progress.at(-1)).toBe("[progress] 1000000/1000000 100%\n");
    expect(counters.at(-1)).toBe("[counters] rows=1000000\n");
    expect(writes.join("")).not.toContain("\r");
  });

  test("the latest state after a pause is shown within a second, not only at the end", () => {
    const { out, writes } = terminal(false);
    const live = new LiveReport(out, now);
    live.report({ type: "progress", done: 1, total: 4 });
    live.report({ type: "progress", done: 2, total: 4 });
    expect(writes).toEqual(["[progress] 1/4 25%\n"]);
    vi.advanceTimersByTime(1000);
    expect(writes).toEqual(["[progress] 1/4 25%\n", "[progress] 2/4 50% ETA 2s\n"]);
    // Nothing new: nothing printed, not even at the end.
    vi.advanceTimersByTime(5000);
    live.finish();
    expect(writes.length).toBe(2);
  });

  test("log lines at once, the result last", () => {
    const { out, writes } = terminal(false);
    const live = new LiveReport(out, now);
    live.report({ type: "log", message: "starting\rover" });
    live.report({ type: "result", value: { sent: 3 } });
    live.report({ type: "counter", name: "sent", op: "set", value: 3 });
    live.finish();
    expect(writes).toEqual(["[log] starting�over\n", "[counters] sent=3\n", '[result] {"sent":3}\n']);
    live.report({ type: "progress", done: 1, total: 1 });
    vi.runAllTimers();
    expect(writes.length).toBe(3);
  });

  test("a plain script (no reports) shows nothing", () => {
    const { out, writes } = terminal(false);
    const live = new LiveReport(out, now);
    live.print(() => out.write("output\n"));
    live.finish();
    expect(writes).toEqual(["output\n"]);
  });
});

describe("LiveReport on a terminal", () => {
  test("one status line redrawn at most ten times a second, cleared before other output, replaced by plain lines at the end", () => {
    const { out, writes, text } = terminal(true);
    const live = new LiveReport(out, now);
    vi.advanceTimersByTime(1000);
    for (let i = 1; i <= 10_000; i++) live.report({ type: "progress", done: i, total: 40_000 });
    live.report({ type: "counter", name: "sent", op: "set", value: 10_000 });
    expect(writes).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(writes).toEqual([`\r\x1b[K[${"█".repeat(5)}${"░".repeat(15)}] 10000/40000 25% ETA 1s · sent=10000`]);

    live.print(() => out.write("a line of output\n"));
    expect(writes.slice(1)).toEqual(["\r\x1b[K", "a line of output\n"]);
    vi.advanceTimersByTime(100);
    expect(writes.length).toBe(4);
    expect(writes[3]).toMatch(/^\r\x1b\[K\[█+░+\] 10000\/40000 25%/);

    // 100 updates over a second: at most 10 redraws.
    for (let i = 0; i < 100; i++) {
      live.report({ type: "progress", done: 20_000 + i, total: 40_000 });
      vi.advanceTimersByTime(10);
    }
    expect(writes.length - 4).toBeLessThanOrEqual(10);

    live.report({ type: "result", value: "ok" });
    live.finish();
    expect(text().endsWith('\r\x1b[K[progress] 20099/40000 50% ETA 2s\n[counters] sent=10000\n[result] "ok"\n')).toBe(true);
    vi.runAllTimers();
    expect(text().endsWith('[result] "ok"\n')).toBe(true);
  });

  test("output with no status line drawn is written untouched", () => {
    const { out, writes } = terminal(true);
    const live = new LiveReport(out, now);
    live.print(() => out.write("x\n"));
    vi.runAllTimers();
    live.finish();
    expect(writes).toEqual(["x\n"]);
  });
});
