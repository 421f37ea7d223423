import { describe, expect, test } from "vitest";
import { bar, countersText, describeProgress, eta, formatDuration, printable, progressText, resultText, statusLine } from "../../../src/bin/live-view.js";

describe("formatDuration", () => {
  test.each([
    [0, "0s"],
    [499, "0s"],
    [12_400, "12s"],
    [59_499, "59s"],
    [60_000, "1m 00s"],
    [185_000, "3m 05s"],
    [3_600_000, "1h 00m"],
    [7_380_000, "2h 03m"],
    [400 * 3_600_000, "16d"],
    [-1, "?"],
    [Number.NaN, "?"],
    [Number.POSITIVE_INFINITY, "?"],
  ])("%d ms is %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe("progress", () => {
  test.each([
    // done, total, ETA, text
    [0, 100, null, "0/100 0%"],
    [25, 100, 30_000, "25/100 25% ETA 30s"],
    [100, 100, null, "100/100 100%"],
    [150, 100, null, "150/100 100%"],
    [-5, 100, null, "-5/100 0%"],
    [42, null, null, "42 done"],
    [3, 0, null, "3 done"],
    [0.5, 1, 2_000, "0.5/1 50% ETA 2s"],
    [1 / 3, 1, 185_000, "0.333333/1 33% ETA 3m 05s"],
  ])("%d of %s, ETA %s: %s", (done, total, left, text) => {
    expect(describeProgress({ done, total }, left)).toBe(text);
    expect(progressText({ done, total }, left)).toBe(`[progress] ${text}`);
  });

  test.each([
    // from (done at ms), now (done of total at ms), ETA
    [{ done: 0, atMs: 0 }, { done: 25, total: 100 }, 10_000, 30_000],
    // The pace since progress was first seen, not since the run started.
    [{ done: 10, atMs: 5_000 }, { done: 20, total: 100 }, 6_000, 8_000],
    // Rounded up to a second: never "ETA 0s" while work is left.
    [{ done: 0, atMs: 0 }, { done: 999_999, total: 1_000_000 }, 3_600_000, 1_000],
    [{ done: 0, atMs: 0 }, { done: 1, total: 3 }, 1_000, 2_000],
  ])("ETA from %o to %o at %d ms: %d ms", (start, progress, now, left) => {
    expect(eta(start, progress, now)).toBe(left);
  });

  test.each([
    ["no start yet", null, { done: 5, total: 10 }, 1000],
    ["no progress since the start", { done: 5, atMs: 0 }, { done: 5, total: 10 }, 1000],
    ["going backwards", { done: 5, atMs: 0 }, { done: 4, total: 10 }, 1000],
    ["no time since the start", { done: 0, atMs: 1000 }, { done: 5, total: 10 }, 1000],
    ["all done", { done: 0, atMs: 0 }, { done: 10, total: 10 }, 1000],
    ["no total", { done: 0, atMs: 0 }, { done: 5, total: null }, 1000],
  ])("no ETA with %s", (_, start, progress, now) => {
    expect(eta(start, progress, now)).toBeNull();
  });

  test.each([
    [{ done: 0, total: 10 }, `[${"░".repeat(20)}]`],
    [{ done: 5, total: 10 }, `[${"█".repeat(10)}${"░".repeat(10)}]`],
    [{ done: 10, total: 10 }, `[${"█".repeat(20)}]`],
    [{ done: 11, total: 10 }, `[${"█".repeat(20)}]`],
    [{ done: 5, total: null }, ""],
  ])("bar of %o", (progress, text) => {
    expect(bar(progress)).toBe(text);
  });
});

describe("statusLine", () => {
  const counters = new Map([
    ["sent", 45],
    ["skipped", 2],
  ]);

  test("bar, progress, ETA and counters on one line", () => {
    expect(statusLine({ progress: { done: 45, total: 100 }, eta: 11_000, counters, elapsedMs: 9_000, columns: 120 })).toBe(
      `[${"█".repeat(9)}${"░".repeat(11)}] 45/100 45% ETA 11s · sent=45 skipped=2`,
    );
  });

  test("without a total it shows how long it has run instead of a bar", () => {
    expect(statusLine({ progress: { done: 7, total: null }, eta: null, counters: new Map(), elapsedMs: 65_000, columns: 80 })).toBe("7 done · 1m 05s");
  });

  test("counters alone", () => {
    expect(statusLine({ progress: null, eta: null, counters, elapsedMs: 3_000, columns: 80 })).toBe("3s · sent=45 skipped=2");
  });

  test.each([10, 40, 2, 1, 0])("never wider than the terminal less one column (%d columns), so it never wraps", (columns) => {
    const many = new Map(Array.from({ length: 50 }, (_, i) => [`counter_${i}_名前`, i * 1000] as const));
    const line = statusLine({ progress: { done: 1, total: 3 }, eta: 2_000, counters: many, elapsedMs: 1_000, columns });
    expect([...line].length).toBeLessThanOrEqual(Math.max(0, columns - 1));
    if (columns > 2) expect(line.endsWith("…")).toBe(true);
  });

  test("a counter name cannot move the cursor or erase the line", () => {
    const hostile = new Map([["a\rb\x08c\nd\x1b[2K\x7f", 1]]);
    const line = statusLine({ progress: null, eta: null, counters: hostile, elapsedMs: 0, columns: 80 });
    // eslint-disable-next-line no-control-regex -- asserting there are none
    expect(line).not.toMatch(/[\x00-\x1f\x7f]/);
    expect(countersText(hostile)).toBe("[counters] a�b�c�d�[2K�=1");
  });
});

describe("resultText", () => {
  test.each([
    [{ sent: 3, dryRun: false }, '[result] {"sent":3,"dryRun":false}'],
    ["done", '[result] "done"'],
    [null, "[result] null"],
    [undefined, "[result] undefined"],
    [{ text: "line\nbreak\u001b" }, '[result] {"text":"line\\nbreak\\u001b"}'],
  ])("%o", (value, text) => {
    expect(resultText(value)).toBe(text);
  });

  test("a big result is cut, saying where the rest is", () => {
    const text = resultText({ rows: "x".repeat(70_000) });
    expect(text.length).toBeLessThan(1100);
    expect(text).toMatch(/… \(70011 characters; the run log has it all\)$/);
  });

  test("printable keeps tabs and text, not controls", () => {
    expect(printable("a\tb é 🙂")).toBe("a\tb é 🙂");
    expect(printable("\x00\x1b")).toBe("��");
  });
});
