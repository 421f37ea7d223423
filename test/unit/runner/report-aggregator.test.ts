import { describe, expect, test } from "vitest";
import { createRedactor } from "../../../src/runner/redact.js";
import { ReportAggregator } from "../../../src/runner/report-aggregator.js";
import type { ReportMessage } from "../../../src/sdk/protocol.js";

const TOKEN = "prod-token-value-123";
const NUMBER = "73914826";
const QUOTED = 'pa"ss\\word-1234';

function aggregate(...messages: ReportMessage[]) {
  const report = new ReportAggregator({ now: () => 0, redact: createRedactor([TOKEN, NUMBER, QUOTED]) });
  const shown = messages.map((message) => report.add(message));
  return { shown, report: report.end() };
}

describe("ReportAggregator: redaction", () => {
  test("redacts keys and numbers in the result and inputs, not only strings", () => {
    const { report, shown } = aggregate(
      { type: "inputs", values: { [TOKEN]: QUOTED, seats: Number(NUMBER), limit: 3 } },
      { type: "result", value: { [TOKEN]: "a key", n: Number(NUMBER), larger: Number(NUMBER) * 10 + 1, list: [1, Number(NUMBER)], ok: true } },
    );
    expect(report.inputs).toEqual({ "[REDACTED]": "[REDACTED]", seats: "[REDACTED]", limit: 3 });
    expect(report.result).toEqual({ "[REDACTED]": "a key", n: "[REDACTED]", larger: "[REDACTED]", list: [1, "[REDACTED]"], ok: true });
    expect(JSON.stringify(shown)).not.toMatch(/prod-token|73914826|pa\\"ss/);
  });

  test("redacts a secret's encodings in logs and the fail reason", () => {
    const { report } = aggregate(
      { type: "log", message: `body ${JSON.stringify({ q: QUOTED })} url ?t=${encodeURIComponent(QUOTED)}` },
      { type: "fail", reason: `bad ${Buffer.from(TOKEN).toString("base64")}` },
    );
    expect(report.logs.map((log) => log.message)).toEqual(['body {"q":"[REDACTED]"} url ?t=[REDACTED]']);
    expect(report.failReason).toBe("bad [REDACTED]");
  });

  test("a counter whose value shows a secret is [REDACTED] in the report and not shown live", () => {
    const { report, shown } = aggregate(
      { type: "counter", name: `rows of ${TOKEN}`, op: "set", value: 2 },
      { type: "counter", name: "seats", op: "set", value: Number(NUMBER) },
      { type: "counter", name: "later", op: "set", value: Number(NUMBER) },
      { type: "counter", name: "later", op: "set", value: 5 },
    );
    expect(report.counters).toEqual({ "rows of [REDACTED]": 2, seats: "[REDACTED]", later: 5 });
    expect(report.rejectedLines).toBe(0);
    expect(shown).toEqual([
      { type: "counter", name: "rows of [REDACTED]", op: "set", value: 2 },
      null,
      null,
      { type: "counter", name: "later", op: "set", value: 5 },
    ]);
  });

  test("counter steps are shown live as totals, so steps that add up to a secret never show it", () => {
    const { report, shown } = aggregate(
      { type: "counter", name: "grown", op: "inc", value: Number(NUMBER) - 1 },
      { type: "counter", name: "grown", op: "inc", value: 1 },
      { type: "counter", name: "grown", op: "inc", value: 1 },
    );
    expect(report.counters).toEqual({ grown: Number(NUMBER) + 1 });
    expect(shown).toEqual([
      { type: "counter", name: "grown", op: "set", value: Number(NUMBER) - 1 },
      null,
      { type: "counter", name: "grown", op: "set", value: Number(NUMBER) + 1 },
    ]);
  });

  test("progress that shows a secret is refused, the last one kept", () => {
    const { report, shown } = aggregate(
      { type: "progress", done: 1, total: 10 },
      { type: "progress", done: 2, total: Number(NUMBER) },
      { type: "progress", done: Number(NUMBER), total: null },
    );
    expect(report.progress).toEqual({ done: 1, total: 10 });
    expect(shown).toEqual([{ type: "progress", done: 1, total: 10 }, null, null]);
    expect(report.rejectedLines).toBe(2);
  });
});
