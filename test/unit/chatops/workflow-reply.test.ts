import { describe, expect, it } from "vitest";
import { workflowView } from "../../../src/api/workflow-view.js";
import type { RunStatusView } from "../../../src/api/run-status-reader.js";
import { viewReply } from "../../../src/chatops/handle-issue-comment.js";
import { renderReply, type RunReply } from "../../../src/chatops/render-reply.js";
import { hostileWorkflow, lostWorkflow, rollbackFailedWorkflow, rolledBackWorkflow } from "../runlog/workflow-fixtures.js";

const run = (over: Partial<RunReply> = {}): RunReply => ({
  runId: "shop-chore-refund-0123456789ab",
  chore: "refund",
  requestedBy: "alice",
  runPage: null,
  status: "rolled_back",
  ...over,
});

describe("a workflow's /chorebot reply", () => {
  it("says where each step stands and what a walk back undid", () => {
    const body = renderReply({ kind: "run", run: run({ workflow: rolledBackWorkflow(), message: "step ship failed: carrier down: 503" }) });
    expect(body.split("\n")[0]).toBe("↩️ **refund** · `rolled_back` · run `shop-chore-refund-0123456789ab`");
    expect(body).toContain("Steps: `reserve` undone · `charge` undone · `ship` failed, undone.\n\nUndone: `ship`, `charge`, `reserve`; not undone: none.");
  });

  it("a failed walk back names what is not undone; a running one names no such thing", () => {
    const failed = renderReply({ kind: "run", run: run({ status: "rollback_failed", workflow: rollbackFailedWorkflow() }) });
    expect(failed.split("\n")[0]).toContain("🔥");
    expect(failed).toContain("Undone: `ship`; not undone: `reserve` (the walk back stopped before it), `charge` (its rollback failed).");
    const running = renderReply({ kind: "run", run: run({ status: "running", workflow: lostWorkflow() }) });
    expect(running).toContain("Steps: `reserve` done · `charge` not run · `ship` not run.");
    expect(running).not.toContain("ndone");
    expect(renderReply({ kind: "run", run: run({ status: "succeeded" }) })).not.toContain("Steps");
  });

  it("keeps hostile step names in code spans: no mention, link or line break", () => {
    const workflow = hostileWorkflow();
    workflow.declared.push({ name: "@everyone https://evil.example", rollback: false });
    const body = renderReply({ kind: "run", run: run({ workflow }) });
    const steps = body.slice(body.indexOf("Steps:"), body.indexOf("\n\n", body.indexOf("Steps:")));
    expect(steps.replace(/`[^`]*`/g, "")).toMatch(/^Steps: ( (\w|,| )+ ·)* (\w| )+\.$/);
    expect(steps).toContain("`@everyone https://evil.example` not run");
  });

  it("a status command's reply shows the steps of the run's API record", () => {
    const view = {
      id: "r",
      status: "rollback_failed",
      chore: "refund",
      script: "chores/refund.ts",
      trigger: "ui",
      requested_by: "alice",
      workflow: workflowView(rollbackFailedWorkflow()),
    } as RunStatusView;
    const reply = viewReply(
      { ...view, output: [], log: null, waiting_reason: null, progress_done: null, progress_total: null, duration_ms: 10, message: null, result: null },
      null,
    );
    expect(renderReply({ kind: "run", run: reply })).toContain("Steps: `reserve` done · `charge` rollback failed · `ship` failed, undone.");
  });
});
