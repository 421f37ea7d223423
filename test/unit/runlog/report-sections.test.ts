import { describe, expect, it } from "vitest";
import type { ExecutionReport } from "../../../src/run-types.js";
import { mergeReportLogs } from "../../../src/runlog/merge-report-logs.js";
import { parseRunLog } from "../../../src/runlog/parse-run-log.js";
import { renderRunLog } from "../../../src/runlog/render-run-log.js";
import { runLogInput } from "./run-log-fixture.js";

const report: ExecutionReport = {
  inputs: { since: "2026-01-01", limit: 5, token: "[SECRET]" },
  counters: { sent: 42, skipped: 3 },
  progress: { done: 45, total: 45 },
  result: { sent: 42 },
  failReason: null,
  logs: [
    { t: 1, message: "starting" },
    { t: 2000, message: "halfway" },
  ],
  droppedLogs: 0,
  rejectedLines: 0,
};

describe("what an SDK script reported, in the run log", () => {
  it("records inputs, counters and result in the front matter and in their own sections", () => {
    const input = runLogInput();
    input.execution.report = report;
    const { frontMatter, body } = parseRunLog(renderRunLog(input));
    expect(frontMatter).toMatchObject({ inputs: report.inputs, counters: report.counters, result: { sent: 42 } });
    expect(body).toContain("## Inputs");
    expect(body).toContain("| `limit` | 5 |");
    expect(body).toContain("| sent | 42 |");
    expect(body).toMatch(/## Result\n\n```json\n\{\n {2}"sent": 42\n\}\n```/);
  });

  it("interleaves log() lines with the printed output by time", () => {
    const input = runLogInput();
    input.execution.report = report;
    const { body } = parseRunLog(renderRunLog(input));
    const output = body.slice(body.indexOf("## Output"));
    const order = ["log | starting", "stdout | updating 3 plans", "stderr | warning", "log | halfway", "stdout | done"];
    const positions = order.map((text) => output.indexOf(text));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it("adds nothing for a plain script", () => {
    const log = renderRunLog(runLogInput());
    expect(log).not.toContain("## Inputs");
    expect(parseRunLog(log).frontMatter).not.toHaveProperty("counters");
  });
});

describe("mergeReportLogs", () => {
  it("keeps the capture's gap between the same printed lines", () => {
    const merged = mergeReportLogs(
      {
        lines: [
          { t: 10, stream: "stdout", text: "a" },
          { t: 30, stream: "stdout", text: "b" },
        ],
        omittedBytes: 100,
        omittedAt: 1,
      },
      [{ t: 20, message: "logged" }],
    );
    expect(merged.lines.map((l) => l.text)).toEqual(["a", "logged", "b"]);
    expect(merged.omittedAt).toBe(2);
  });
});
