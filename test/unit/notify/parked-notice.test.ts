import { describe, expect, it } from "vitest";
import { failureMentions } from "../../../src/notify/failure-mentions.js";
import { MAX_COMMENT_CHARS, checkRunOutput, renderRunSection } from "../../../src/notify/run-notice.js";
import { runResultPayload } from "../../../src/notify/run-result-payload.js";
import type { ExecutionResult, RunDecision, RunStatus, ScriptTarget } from "../../../src/run-types.js";
import { lostWorkflow, workflowExecutionReport } from "../runlog/workflow-fixtures.js";
import { runNotice } from "./run-notice-fixture.js";

const RESUMED: RunDecision = { kind: "resume", by: "@carol", via: "comment", at: "2026-11-02T11:00:00.000Z", step: "charge" };

function execution(status: RunStatus, decisions?: RunDecision[]): ExecutionResult {
  return {
    status,
    exitCode: null,
    signal: null,
    startedAt: "2026-11-02T10:00:00.000Z",
    finishedAt: "2026-11-02T10:00:01.234Z",
    durationMs: 1234,
    output: { lines: [], omittedBytes: 0, omittedAt: null },
    message: "the worker was lost during step charge",
    report: workflowExecutionReport(lostWorkflow()),
    ...(decisions ? { decisions } : {}),
  };
}

describe("an interrupted run's notices", () => {
  it("the check run asks a person to act (its details_url, the log, says how)", () => {
    const check = checkRunOutput(runNotice(execution("interrupted")));
    expect(check.conclusion).toBe("action_required");
    expect(check.title).toBe("Interrupted after 1.2 s");
    expect(checkRunOutput(runNotice(execution("waiting"))).conclusion).toBe("neutral");
    expect(checkRunOutput(runNotice(execution("lost"))).conclusion).toBe("failure");
  });

  it("the comment says nothing re-ran, what Resume and Roll back do, and where to choose", () => {
    const comment = renderRunSection(runNotice(execution("interrupted")), MAX_COMMENT_CHARS);
    expect(comment).toContain("**A person decides:** nothing was re-run on its own. Resume runs step `charge` again from its start");
    expect(comment).toContain("`chorebot resume widgets-aaaaaaa-fix-0123456789`");
    expect(comment).toContain("`/chorebot rollback widgets-aaaaaaa-fix-0123456789` comment");
    expect(renderRunSection(runNotice(execution("failed")), MAX_COMMENT_CHARS)).not.toContain("A person decides");
  });

  it("lists the decisions without mentioning anyone", () => {
    const comment = renderRunSection(runNotice(execution("succeeded", [RESUMED])), MAX_COMMENT_CHARS);
    expect(comment).toContain("**Decisions:** resumed (step `charge`) by `@\u200dcarol` via a comment at 2026-11-02T11:00:00.000Z.");
    expect(comment).not.toMatch(/@carol/);
  });

  it("mentions the author and approvers: someone must decide", () => {
    expect(failureMentions([runNotice(execution("interrupted"), { approvedBy: ["bob"] })]).people).toEqual(["alice", "bob"]);
  });

  it("the result webhook names the interrupted step and carries the decisions", () => {
    const target = { owner: "acme", repo: "widgets", commit: "a".repeat(40), path: "scripts/fix.ts" } as ScriptTarget;
    const interrupted = runResultPayload({ runId: "r", attempt: 1, target, execution: execution("interrupted"), logUrl: "https://x" });
    expect(interrupted.interrupted).toEqual({ step: "charge" });
    expect(interrupted).not.toHaveProperty("decisions");
    const resumed = runResultPayload({ runId: "r", attempt: 2, target, execution: execution("succeeded", [RESUMED]), logUrl: "https://x" });
    expect(resumed.decisions).toEqual([RESUMED]);
    expect(resumed).not.toHaveProperty("interrupted");
  });
});
