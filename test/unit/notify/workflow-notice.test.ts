import { describe, expect, it } from "vitest";
import { failureMentions } from "../../../src/notify/failure-mentions.js";
import { MAX_COMMENT_CHARS, checkRunOutput, renderRunSection } from "../../../src/notify/run-notice.js";
import { runResultPayload } from "../../../src/notify/run-result-payload.js";
import type { ExecutionResult, RunStatus, WorkflowReport } from "../../../src/run-types.js";
import { hostileWorkflow, manyStepsWorkflow, rollbackFailedWorkflow, rolledBackWorkflow, workflowExecutionReport } from "../runlog/workflow-fixtures.js";
import { runNotice } from "./run-notice-fixture.js";

function execution(status: RunStatus, workflow?: WorkflowReport): ExecutionResult {
  return {
    status,
    exitCode: 1,
    signal: null,
    startedAt: "2026-11-02T10:00:00.000Z",
    finishedAt: "2026-11-02T10:00:01.234Z",
    durationMs: 1234,
    output: { lines: [{ t: 5, stream: "stdout", text: "hello" }], omittedBytes: 0, omittedAt: null },
    message: "step ship failed: carrier down: 503; rolled back ship, charge, reserve",
    ...(workflow ? { report: workflowExecutionReport(workflow) } : {}),
  };
}

describe("a workflow's result in the pull request comment, check run and result webhook", () => {
  it("a rolled-back run: its headline, each step where it stands, and what was undone", () => {
    const notice = runNotice(execution("rolled_back", rolledBackWorkflow()));
    const comment = renderRunSection(notice, MAX_COMMENT_CHARS);
    expect(comment.split("\n")[0]).toBe("### ↩️ scripts/fix.ts failed and was rolled back after 1.2 s, exit code 1");
    expect(comment).toContain("Status: `rolled_back`");
    expect(comment).toContain(
      "**Steps:** `reserve` undone · `charge` undone · `ship` failed, undone. Undone: `ship`, `charge`, `reserve`; not undone: none.\n",
    );
    const check = checkRunOutput(notice);
    expect(check).toMatchObject({ conclusion: "failure", title: "Rolled back after 1.2 s, exit code 1" });
  });

  it("a failed walk back says what is not undone", () => {
    const comment = renderRunSection(runNotice(execution("rollback_failed", rollbackFailedWorkflow())), MAX_COMMENT_CHARS);
    expect(comment.split("\n")[0]).toBe("### 🔥 scripts/fix.ts failed and could not be rolled back after 1.2 s, exit code 1");
    expect(comment).toContain(
      "`reserve` done · `charge` rollback failed · `ship` failed, undone. Undone: `ship`; not undone: `reserve` (the walk back stopped before it), `charge` (its rollback failed).",
    );
    expect(checkRunOutput(runNotice(execution("rollback_failed", rollbackFailedWorkflow()))).conclusion).toBe("failure");
  });

  it("a plain script's comment has no steps; hostile step names stay inert; 50 long names stay under the cap", () => {
    expect(renderRunSection(runNotice(execution("failed")), MAX_COMMENT_CHARS)).not.toContain("Steps");
    const hostile = renderRunSection(runNotice(execution("rolled_back", hostileWorkflow())), MAX_COMMENT_CHARS);
    const steps = hostile.split("\n").find((line) => line.startsWith("**Steps:**"))!;
    // Outside code spans (an escaped backtick opens none), no HTML, link or line break got through.
    const outside = steps.replace(/\\`/g, "").replace(/`[^`]*`/g, "");
    expect(outside).not.toMatch(/<img|\]\(|\n/);
    expect(steps).toContain("line break \\`\\`\\` undone");

    const many = manyStepsWorkflow();
    many.declared = many.declared.map((step) => ({ ...step, name: `${step.name}-${"x".repeat(5000)}` }));
    many.entries = many.entries.map((e) => ({ ...e, step: `${e.step}-${"x".repeat(5000)}` }));
    const big = renderRunSection(runNotice(execution("rolled_back", many)), MAX_COMMENT_CHARS);
    expect(big.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(big).toContain("**Steps:** `step-1-xxx");
  });

  it("the result webhook carries the workflow's outcome, failed step and standings, and nothing for a plain script", () => {
    const target = runNotice(execution("succeeded")).repository;
    const scriptTarget = { owner: target.owner, repo: target.repo, path: "scripts/fix.ts", commit: "a".repeat(40) } as Parameters<
      typeof runResultPayload
    >[0]["target"];
    const payload = runResultPayload({
      runId: "r",
      attempt: 1,
      target: scriptTarget,
      execution: execution("rollback_failed", rollbackFailedWorkflow()),
      logUrl: "https://x",
    });
    expect(payload.status).toBe("rollback_failed");
    expect(payload.workflow).toEqual({
      outcome: "rollback_failed",
      failed_step: "ship",
      steps: [
        { name: "reserve", rollback: true, standing: "done" },
        { name: "charge", rollback: true, standing: "rollback_failed" },
        { name: "ship", rollback: true, standing: "undone" },
      ],
    });
    expect(JSON.stringify(payload)).not.toContain("ch_1");
    const plain = runResultPayload({ runId: "r", attempt: 1, target: scriptTarget, execution: execution("failed"), logUrl: "https://x" });
    expect(plain).not.toHaveProperty("workflow");
  });

  it("mentions the author and approvers of a workflow that rolled back or could not", () => {
    for (const status of ["rolled_back", "rollback_failed"] as const) {
      const { people } = failureMentions([runNotice(execution(status, rolledBackWorkflow()), { approvedBy: ["bob"] })]);
      expect(people).toEqual(["alice", "bob"]);
    }
  });
});
