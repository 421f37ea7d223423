import { describe, expect, it } from "vitest";
import { MAX_COMMENT_CHARS, renderRunSection } from "../../../src/notify/run-notice.js";
import type { ExecutionResult } from "../../../src/run-types.js";
import { rolledBackWorkflow, workflowExecutionReport } from "../runlog/workflow-fixtures.js";
import { runNotice } from "../notify/run-notice-fixture.js";

// A workflow's status message carries the failed step's error: whatever a step threw, often text
// from another system ("contact @acme/billing-oncall"). The merged pull request's comment is posted
// by the app, where a mention notifies a whole team and `#12` links the run into issue 12's timeline.
describe("a step's error in the merged pull request's comment", () => {
  it("mentions nobody and references no issue", () => {
    const execution: ExecutionResult = {
      status: "rolled_back",
      exitCode: 1,
      signal: null,
      startedAt: "2026-11-02T10:00:00.000Z",
      finishedAt: "2026-11-02T10:00:01.234Z",
      durationMs: 1234,
      output: { lines: [], omittedBytes: 0, omittedAt: null },
      message: "step ship failed: carrier down, contact @acme/billing-oncall or @bob about #12; rolled back ship, charge, reserve",
      report: workflowExecutionReport(rolledBackWorkflow()),
    };
    const comment = renderRunSection(runNotice(execution), MAX_COMMENT_CHARS);
    expect(comment).toContain("carrier down, contact");
    expect(comment).not.toMatch(/@acme|@bob|#12/);
  });
});
