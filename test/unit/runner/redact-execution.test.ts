import { describe, expect, test } from "vitest";
import type { ExecutionResult } from "../../../src/run-types.js";
import { createRedactor } from "../../../src/runner/redact.js";
import { redactExecution } from "../../../src/runner/redact-execution.js";
import { parseRunLog } from "../../../src/runlog/parse-run-log.js";
import { renderRunLog } from "../../../src/runlog/render-run-log.js";
import { runLogInput } from "../runlog/run-log-fixture.js";

const TOKEN = "prod-token-value-123";
const NUMBER = "73914826";
const QUOTED = 'pa"ss\\word-1234';
const redact = createRedactor([TOKEN, NUMBER, QUOTED]);

/** A record as an older worker (or a secret known only now, like a local run's secret input) left it. */
function execution(): ExecutionResult {
  return {
    ...runLogInput().execution,
    status: "failed",
    message: `gave up on ${JSON.stringify({ q: QUOTED })}`,
    output: { lines: [{ t: 1, stream: "stdout", text: `token ${Buffer.from(TOKEN).toString("base64")}` }], omittedBytes: 0, omittedAt: null },
    report: {
      inputs: { [TOKEN]: QUOTED, seats: Number(NUMBER) },
      counters: { [`rows of ${TOKEN}`]: 2, seats: Number(NUMBER), done: "[REDACTED]" },
      progress: { done: 1, total: Number(NUMBER) },
      result: { [TOKEN]: "a key", n: Number(NUMBER), nested: [{ q: encodeURIComponent(QUOTED) }] },
      failReason: `gave up on ${JSON.stringify({ q: QUOTED })}`,
      logs: [{ t: 2, message: `logged ${TOKEN}` }],
      droppedLogs: 0,
      rejectedLines: 0,
    },
  };
}

describe("redactExecution", () => {
  test("redacts keys, numbers and encodings in everything the record holds", () => {
    const redacted = redactExecution(execution(), redact);
    expect(redacted.message).toBe('gave up on {"q":"[REDACTED]"}');
    expect(redacted.output.lines[0]!.text).toBe("token [REDACTED]");
    expect(redacted.report).toEqual({
      inputs: { "[REDACTED]": "[REDACTED]", seats: "[REDACTED]" },
      counters: { "rows of [REDACTED]": 2, seats: "[REDACTED]", done: "[REDACTED]" },
      progress: null,
      result: { "[REDACTED]": "a key", n: "[REDACTED]", nested: [{ q: "[REDACTED]" }] },
      failReason: 'gave up on {"q":"[REDACTED]"}',
      logs: [{ t: 2, message: "logged [REDACTED]" }],
      droppedLogs: 0,
      rejectedLines: 0,
    });
  });

  test("the redacted record renders a run log that shows [REDACTED] where a number was, and nothing secret", () => {
    const log = renderRunLog(runLogInput({ execution: redactExecution(execution(), redact) }));
    for (const form of [TOKEN, NUMBER, QUOTED, JSON.stringify(QUOTED).slice(1, -1), encodeURIComponent(QUOTED)]) expect(log).not.toContain(form);
    const { frontMatter, body } = parseRunLog(log);
    expect(frontMatter).toMatchObject({ counters: { seats: "[REDACTED]" }, result: { n: "[REDACTED]" } });
    expect(body).toMatch(/^\| seats \| \[REDACTED\] \|$/m);
  });
});
