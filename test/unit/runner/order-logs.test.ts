import { describe, expect, test } from "vitest";
import type { CapturedOutput, OutputLine, ReportLog } from "../../../src/run-types.js";
import { orderLogs } from "../../../src/runner/order-logs.js";
import { mergeReportLogs } from "../../../src/runlog/merge-report-logs.js";

/** Lines of `stream` with their times; each ends `bytes` further into its stream. */
function capture(lines: [OutputLine["stream"], number, string][], omittedAt: number | null = null) {
  const totals = { stdout: 0, stderr: 0, log: 0 };
  const ends = lines.map(([stream, , text]) => (totals[stream] += text.length + 1));
  const output: CapturedOutput = { lines: lines.map(([stream, t, text]) => ({ stream, t, text })), omittedBytes: omittedAt === null ? 0 : 100, omittedAt };
  return { output, ends };
}

/** The run log's merge of the ordered result, as `<stream>:<text>`. */
function order(output: CapturedOutput, ends: number[], logs: ReportLog[], marks: Parameters<typeof orderLogs>[3]): string[] {
  const ordered = orderLogs(output, ends, logs, marks);
  return mergeReportLogs(ordered.output, ordered.logs).lines.map((line) => `${line.stream}:${line.text}`);
}

describe("orderLogs", () => {
  test("puts a marked log line after the output written before it, whatever the times", () => {
    // "a" and "b" arrived in the same millisecond; the log line (written after "a") arrived later.
    const { output, ends } = capture([
      ["stdout", 5, "a"],
      ["stdout", 5, "b"],
    ]);
    expect(order(output, ends, [{ t: 9, message: "L" }], [{ stdout: 2, stderr: 0 }])).toEqual(["stdout:a", "log:L", "stdout:b"]);
    // Times stay ordered and are moved by less than a millisecond.
    const { output: moved } = orderLogs(output, ends, [{ t: 9, message: "L" }], [{ stdout: 2, stderr: 0 }]);
    expect(moved.lines.map((l) => l.t)).toEqual([5, expect.closeTo(5, 2)]);
    expect(moved.lines[1]!.t).toBeGreaterThan(5);
  });

  test("orders stdout against stderr across a log line", () => {
    // stderr's "e" arrived last, but the log line written after it says it came first.
    const { output, ends } = capture([
      ["stdout", 1, "a"],
      ["stdout", 2, "b"],
      ["stderr", 3, "e"],
    ]);
    expect(order(output, ends, [{ t: 4, message: "L" }], [{ stdout: 2, stderr: 2 }])).toEqual(["stdout:a", "stderr:e", "log:L", "stdout:b"]);
  });

  test("a line still being written when log() was called comes after it", () => {
    const { output, ends } = capture([["stdout", 3, "part end"]]);
    expect(order(output, ends, [{ t: 1, message: "L" }], [{ stdout: 5, stderr: 0 }])).toEqual(["log:L", "stdout:part end"]);
  });

  test("an unmarked log line keeps its time; a forged mark cannot reorder what came before", () => {
    const { output, ends } = capture([
      ["stdout", 1, "a"],
      ["stdout", 10, "b"],
      ["stdout", 20, "c"],
    ]);
    const logs = [
      { t: 12, message: "unmarked" },
      { t: 13, message: "marked" },
      { t: 14, message: "forged lower" },
    ];
    expect(order(output, ends, logs, [null, { stdout: 4, stderr: 0 }, { stdout: 0, stderr: 0 }])).toEqual([
      "stdout:a",
      "stdout:b",
      "log:unmarked",
      "log:marked",
      "log:forged lower",
      "stdout:c",
    ]);
  });

  test("keeps the capture's gap where it was", () => {
    const { output, ends } = capture(
      [
        ["stdout", 1, "head"],
        ["stdout", 50, "tail"],
      ],
      1,
    );
    const ordered = orderLogs(output, ends, [{ t: 60, message: "L" }], [{ stdout: 5, stderr: 0 }]);
    expect(ordered.output.omittedAt).toBe(1);
    expect(mergeReportLogs(ordered.output, ordered.logs).lines.map((l) => l.text)).toEqual(["head", "L", "tail"]);
  });
});
