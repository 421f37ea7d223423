import { describe, expect, it } from "vitest";
import type { CapturedOutput } from "../../../src/run-types.js";
import { joinedOutput } from "../../../src/steps/joined-output.js";

const output = (...texts: string[]): CapturedOutput => ({
  lines: texts.map((text, i) => ({ t: i * 10, stream: "stdout", text })),
  omittedBytes: 0,
  omittedAt: null,
});
const segment = (startedAt: string, out: CapturedOutput) => ({
  startedAt,
  finishedAt: startedAt,
  output: out,
  parkedFor: 'step charge waits for the signal "approved"',
});

describe("joinedOutput", () => {
  it("is the last process's output when the run never parked", () => {
    const last = output("only");
    expect(joinedOutput([], { startedAt: "2026-12-01T10:00:00Z", output: last }, 1024)).toBe(last);
  });

  it("shows every process's output in order, a marker between them, times from the first start", () => {
    const joined = joinedOutput(
      [segment("2026-12-01T10:00:00.000Z", output("a1", "a2"))],
      { startedAt: "2026-12-01T10:00:05.000Z", output: output("b1") },
      1024,
    );
    expect(joined.lines.map((line) => [line.t, line.text])).toEqual([
      [0, "a1"],
      [10, "a2"],
      [5000, '── step charge waits for the signal "approved"; went on in a new process at 2026-12-01T10:00:05.000Z ──'],
      [5000, "b1"],
    ]);
  });

  it("says the run ended where it was parked when no process came after", () => {
    const joined = joinedOutput(
      [segment("2026-12-01T10:00:00.000Z", output("a1")), segment("2026-12-01T10:00:02.000Z", output("b1"))],
      { startedAt: "2026-12-01T10:00:09.000Z", output: output(), ran: false },
      1024,
    );
    expect(joined.lines.map((line) => line.text)).toEqual([
      "a1",
      '── step charge waits for the signal "approved"; went on in a new process at 2026-12-01T10:00:02.000Z ──',
      "b1",
      '── step charge waits for the signal "approved"; ended there at 2026-12-01T10:00:09.000Z, without going on ──',
    ]);
  });

  it("stays within the output limit, dropping the middle and counting it", () => {
    const long = "x".repeat(99);
    const joined = joinedOutput(
      [segment("2026-12-01T10:00:00.000Z", output(long, long, long))],
      { startedAt: "2026-12-01T10:00:05.000Z", output: output(long, long, long) },
      400,
    );
    const bytes = joined.lines.reduce((sum, line) => sum + Buffer.byteLength(line.text) + 1, 0);
    expect(bytes).toBeLessThanOrEqual(400);
    expect(joined.omittedBytes).toBeGreaterThan(0);
    expect(joined.omittedAt).toBe(2);
  });
});
