import { describe, expect, it } from "vitest";
import type { RunStatus, WorkflowReport } from "../../../src/run-types.js";
import { parseRunLog } from "../../../src/runlog/parse-run-log.js";
import { renderRunLog } from "../../../src/runlog/render-run-log.js";
import { runLogInput } from "./run-log-fixture.js";
import {
  hostileWorkflow,
  HOSTILE_NAMES,
  lostWorkflow,
  manyStepsWorkflow,
  rollbackFailedWorkflow,
  rolledBackWorkflow,
  succeededWorkflow,
  vetoedWorkflow,
  workflowExecutionReport,
} from "./workflow-fixtures.js";

function workflowLog(status: RunStatus, workflow: WorkflowReport, o: { maxBytes?: number; message?: string } = {}) {
  const input = runLogInput({ status });
  input.execution.report = workflowExecutionReport(workflow);
  if (o.message !== undefined) input.execution.message = o.message;
  return renderRunLog(input, o.maxBytes === undefined ? {} : { maxBytes: o.maxBytes });
}

/** The content of the first ```mermaid block. */
function mermaid(body: string): string[] {
  const match = /^(`{3,})mermaid\n([\s\S]*?)\n\1\n/m.exec(body);
  if (match === null) throw new Error("no mermaid block");
  return match[2]!.split("\n");
}

/** The table rows under "### Runs and rollbacks", cells split on unescaped pipes. */
function rows(body: string): string[][] {
  const table = body.slice(body.indexOf("### Runs and rollbacks\n")).split("\n\n")[1]!;
  return table.split("\n").map((line) => line.split(/(?<!\\)\|/).slice(1, -1));
}

describe("a workflow's run log", () => {
  it("says in the front matter how it ended, which step failed and where each stands", () => {
    const { frontMatter } = parseRunLog(workflowLog("rolled_back", rolledBackWorkflow()));
    expect(frontMatter).toMatchObject({
      status: "rolled_back",
      workflow_outcome: "rolled_back",
      failed_step: "ship",
      workflow_steps: [
        { name: "reserve", rollback: true, standing: "undone" },
        { name: "charge", rollback: true, standing: "undone" },
        { name: "ship", rollback: true, standing: "undone" },
      ],
    });
    const plain = parseRunLog(renderRunLog(runLogInput())).frontMatter;
    expect(plain).not.toHaveProperty("failed_step");
    expect(plain).not.toHaveProperty("workflow_steps");
  });

  it("a rolled-back run lists every entry in order and names what was undone, in the order it was", () => {
    const { body } = parseRunLog(workflowLog("rolled_back", rolledBackWorkflow()));
    expect(body).toContain(
      "Step `ship` (failed) failed, and the steps it had done were rolled back in reverse order: undone: `ship`, `charge`, `reserve`; not undone: none.",
    );
    const table = rows(body);
    expect(table.slice(2).map((cells) => [cells[1]!.trim(), cells[2]!.trim(), cells[3]!.trim()])).toEqual([
      ["`reserve`", "run", "✓ succeeded"],
      ["`charge`", "run", "✓ succeeded"],
      ["`ship`", "run", "✗ failed"],
      ["`ship`", "rollback", "✓ succeeded"],
      ["`charge`", "rollback", "✓ succeeded"],
      ["`reserve`", "rollback", "✓ succeeded"],
    ]);
    expect(table[4]![5]).toContain("carrier down: 503");
    expect(body).toContain("1. `reserve`: undone\n2. `charge`: undone\n3. `ship`: undone\n");
    expect(body).toMatch(/Entry 5, `charge` \(rollback\):\n\n```diff\n- \$\.chargeId: "ch_1"\n```/);
    expect(body).toMatch(/Entry 6, `reserve` \(rollback\):\n\n```diff\n- \$\.reserved: true\n\+ \$\.reserved: false\n```/);
  });

  it("draws the run path and the walk back in reverse with dashed arrows", () => {
    const lines = mermaid(parseRunLog(workflowLog("rolled_back", rolledBackWorkflow())).body);
    expect(lines[0]).toBe("flowchart LR");
    expect(lines).toContain('  s3["3. ship<br>failed · undone"]');
    expect(lines).toContain("  s1 --> s2");
    expect(lines).toContain("  s2 --> s3");
    expect(lines.filter((line) => line.includes(".->"))).toEqual(["  s3 -. rollback .-> s2", "  s2 -.-> s1"]);
    expect(lines).toContain("  class s1,s2,s3 w_undone");
    expect(lines).toContain("  style s3 stroke-width:4px");
  });

  it("a failed walk back names the steps undone and those not, and why", () => {
    const { body, frontMatter } = parseRunLog(workflowLog("rollback_failed", rollbackFailedWorkflow()));
    expect(frontMatter).toMatchObject({ workflow_outcome: "rollback_failed", failed_step: "ship" });
    expect(body).toContain("undone: `ship`; not undone: `reserve` (the walk back stopped before it), `charge` (its rollback failed).");
    expect(body).toContain("1. `reserve`: done\n2. `charge`: rollback failed\n3. `ship`: undone\n");
    const lines = mermaid(body);
    expect(lines.filter((line) => line.includes(".->"))).toEqual(["  s3 -. rollback .-> s2"]);
    expect(lines).toContain("  class s2 w_rollback_failed");
    expect(lines).toContain("  class s1 w_done");
  });

  it("a lost run shows the steps its ledger had, and that nothing rolls back on its own", () => {
    const { body, frontMatter } = parseRunLog(workflowLog("lost", lostWorkflow()));
    expect(frontMatter).toMatchObject({ status: "lost", workflow_outcome: "incomplete", failed_step: null });
    expect(body).toContain("nothing re-runs or rolls back on its own");
    expect(body).toContain("1. `reserve`: done\n2. `charge`: not run\n3. `ship`: not run\n");
    const lines = mermaid(body);
    expect(lines).toContain("  s1 ~~~ s2");
    expect(lines.some((line) => line.includes(".->"))).toBe(false);
  });

  it("a vetoed step is said to have not run, and a step without a rollback stays done", () => {
    const { body } = parseRunLog(workflowLog("rolled_back", vetoedWorkflow()));
    expect(body).toContain("Step `charge` (vetoed by an observer: it did not run) failed");
    expect(body).toContain("undone: none; not undone: `reserve` (no rollback)");
    expect(body).toContain("1. `reserve`: done (no rollback)\n2. `charge`: not run\n");
    expect(mermaid(body)).toContain("  s1 ~~~ s2");
  });

  it("a succeeded workflow says all its steps ran", () => {
    const { body } = parseRunLog(workflowLog("succeeded", succeededWorkflow()));
    expect(body).toContain("## Steps\n\nAll 3 steps ran.");
    expect(mermaid(body)).toContain("  class s1,s2,s3 w_done");
  });

  it("a hostile step name or error cannot break the table, the diagram, the fences or inject HTML", () => {
    const log = workflowLog("rolled_back", hostileWorkflow(), { message: "step failed" });
    const { body, frontMatter } = parseRunLog(log);
    expect((frontMatter.workflow_steps as { name: string }[]).map((step) => step.name)).toEqual(HOSTILE_NAMES);
    expect(frontMatter.failed_step).toBe(HOSTILE_NAMES[4]);

    // Every row has its six cells, whatever the names and errors hold.
    const table = rows(body);
    expect(table).toHaveLength(2 + hostileWorkflow().entries.length);
    for (const cells of table) expect(cells).toHaveLength(6);

    // Diagram: node lines only, every label free of what ends it or starts markup; no extra edges.
    const lines = mermaid(body);
    const nodes = lines.filter((line) => /^ {2}s\d+\[/.test(line));
    expect(nodes).toHaveLength(HOSTILE_NAMES.length);
    for (const node of nodes) {
      const label = /^ {2}s\d+\["(.*)"\]$/.exec(node)![1]!;
      // Once Mermaid's entities (#quot;, #60;) and our own line break are taken out, nothing that means something is left.
      expect(label.replace(/<br>/g, "").replace(/#(quot|\d+);/g, "")).not.toMatch(/["[\]<>`;%|#{}()&]|-->|\n/);
    }
    const edges = lines.filter((line) => /-->|~~~|\.->/.test(line));
    for (const edge of edges) expect(edge).toMatch(/^ {2}s\d+ (-->|~~~|-\. rollback \.->|-\.->) s\d+$/);
    expect(lines.every((line) => /^(flowchart (LR|TD)$| {2}(s\d+[ []|classDef |class |style ))/.test(line))).toBe(true);

    // No raw HTML outside code.
    // (An escaped backtick opens no code span.)
    const outsideCode = body
      .replace(/^(`{3,})[\s\S]*?^\1$/gm, "")
      .replace(/\\`/g, "")
      .replace(/`[^`\n]*`/g, "");
    expect(outsideCode).not.toMatch(/<img|<script|<b>|<\/details>/);
    // The diff fence outlasts the ``` in a changed value.
    expect(body).toMatch(/^````diff\n- \$\.x\\n```: "```\\n<\/details>"\n\+ \$\.x\\n```: "<script>"\n````$/m);
  });

  it("50 steps stay one diagram of 50 nodes, drawn top to bottom, and the log fits its cap", () => {
    const log = workflowLog("rolled_back", manyStepsWorkflow(), { maxBytes: 64 * 1024 });
    expect(Buffer.byteLength(log)).toBeLessThanOrEqual(64 * 1024);
    const lines = mermaid(parseRunLog(log).body);
    expect(lines[0]).toBe("flowchart TD");
    expect(lines.filter((line) => /^ {2}s\d+\[/.test(line))).toHaveLength(50);
    expect(lines.filter((line) => line.includes(".->"))).toHaveLength(49);
  });

  it("drops the state changes, not the steps, when huge values would not fit", () => {
    const workflow = succeededWorkflow();
    const huge = "x".repeat(5000);
    workflow.entries = workflow.entries.map((e) => ({
      ...e,
      changes: Array.from({ length: 20 }, (_, i) => ({ path: `$.v${i}`, before: huge, after: huge })),
      moreChanges: 3,
    }));
    const full = workflowLog("succeeded", workflow);
    // Each value is cut in the log.
    const valueLines = full.split("\n").filter((line) => line.startsWith("- $.v"));
    expect(valueLines).toHaveLength(60);
    for (const line of valueLines) expect(line.slice(line.indexOf(": ") + 2)).toBe(`"${"x".repeat(998)}…`);
    expect(full.includes("(and 3 more not listed)")).toBe(true);
    const log = workflowLog("succeeded", workflow, { maxBytes: 12 * 1024 });
    expect(Buffer.byteLength(log)).toBeLessThanOrEqual(12 * 1024);
    const { body } = parseRunLog(log);
    expect(body.includes("the workflow's state changes were left out")).toBe(true);
    expect(body.includes("_Left out to keep this log under its size limit")).toBe(true);
    expect(body.includes("xxxx")).toBe(false);
    expect(rows(body)).toHaveLength(5);
  });
});
