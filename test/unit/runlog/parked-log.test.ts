import { describe, expect, it } from "vitest";
import type { RunDecision } from "../../../src/run-types.js";
import { parseRunLog } from "../../../src/runlog/parse-run-log.js";
import { renderRunLog } from "../../../src/runlog/render-run-log.js";
import { interruptedStep } from "../../../src/runlog/interrupted-words.js";
import { runLogInput } from "./run-log-fixture.js";
import { entry, HOSTILE_NAMES, lostWorkflow, workflowExecutionReport } from "./workflow-fixtures.js";

const DECISIONS: RunDecision[] = [
  { kind: "approve", by: "bob", via: "page", at: "2026-11-03T09:00:00.000Z" },
  { kind: "approve", by: "carol", via: "comment", at: "2026-11-03T09:05:00.000Z" },
  { kind: "signal", by: "dave", via: "api", at: "2026-11-03T10:00:01.000Z", signal: "approved", step: "charge" },
  { kind: "resume", by: "dashboard", via: "api", at: "2026-11-03T11:00:00.000Z", step: "ship" },
];

function interruptedLog(o: { decisions?: RunDecision[]; runId?: string } = {}) {
  const base = runLogInput({ status: "interrupted", ...(o.runId ? { runId: o.runId } : {}) });
  return renderRunLog({
    ...base,
    execution: { ...base.execution, report: workflowExecutionReport(lostWorkflow()), ...(o.decisions ? { decisions: o.decisions } : {}) },
  });
}

describe("the log of an interrupted attempt", () => {
  it("names the step that was lost, says nothing re-ran on its own, and every way to decide", () => {
    const log = interruptedLog();
    const { body, frontMatter } = parseRunLog(log);
    expect(frontMatter.status).toBe("interrupted");
    expect(body).toContain("# ⏸️ scripts/2026-11-fix-plans.ts was interrupted and waits for a person's decision");
    expect(body).toContain("Step `charge` was interrupted: its worker was lost while it ran. Nothing was re-run on its own");
    for (const way of [
      "Resume or Roll back on the run's page",
      "`chorebot resume run-7f3a`",
      "`chorebot rollback run-7f3a`",
      "`POST /api/runs/run-7f3a/resume`",
      "`/chorebot rollback run-7f3a`",
    ]) {
      expect(body).toContain(way);
    }
    // The Steps section says where it stopped, not "the record ends…".
    expect(body).toContain("The worker was lost during step `charge`");
  });

  it("finds the lost step as the first declared step with no succeeded run", () => {
    expect(interruptedStep(lostWorkflow())).toBe("charge");
    const waited = {
      ...lostWorkflow(),
      entries: [entry("reserve", "run", "succeeded"), entry("charge", "run", "waiting"), entry("charge", "run", "succeeded")],
    };
    expect(interruptedStep(waited)).toBe("ship");
    expect(interruptedStep(undefined)).toBeNull();
  });

  it("says no log of another status how to decide", () => {
    const { body } = parseRunLog(renderRunLog(runLogInput({ status: "failed" })));
    expect(body).not.toContain("chorebot resume");
    expect(body).not.toContain("## Decisions");
  });
});

describe("the decisions of a parked run", () => {
  it("are listed in order in a Decisions section, and for machines in the front matter", () => {
    const log = interruptedLog({ decisions: DECISIONS });
    const { body, frontMatter } = parseRunLog(log);
    const section = body.slice(body.indexOf("## Decisions"), body.indexOf("## Output"));
    const items = section.split("\n").filter((line) => /^\d+\. /.test(line));
    expect(items).toEqual([
      "1. Approved by @bob via the run page at 2026-11-03T09:00:00.000Z.",
      "2. Approved by @carol via a comment at 2026-11-03T09:05:00.000Z.",
      "3. Signal `approved` delivered (step `charge`) by @dave via the API at 2026-11-03T10:00:01.000Z.",
      "4. Resumed (step `ship`) by the dashboard's credentials via the API at 2026-11-03T11:00:00.000Z.",
    ]);
    expect(frontMatter.approved_by_at_run_time).toEqual(["bob", "carol"]);
    expect(frontMatter.decisions).toEqual(DECISIONS);
    // The front matter's shape is kept: the pull request's approvers are still approved_by.
    expect(frontMatter.approved_by).toEqual(["bob", "carol"]);
  });

  it("says a timeout was the deadline, naming no one", () => {
    const base = runLogInput({ status: "rolled_back" });
    const timeout: RunDecision = { kind: "timeout", by: "timeout", via: "timer", at: "2026-11-05T10:00:00.000Z", signal: "approved", step: "charge" };
    const { body } = parseRunLog(renderRunLog({ ...base, execution: { ...base.execution, decisions: [timeout] } }));
    expect(body).toContain("1. Timed out waiting for `approved` (step `charge`) at 2026-11-05T10:00:00.000Z.");
  });

  it("keeps hostile logins, signal and step names as text", () => {
    const base = runLogInput({ status: "succeeded" });
    const decisions: RunDecision[] = HOSTILE_NAMES.map((name) => ({
      kind: "signal",
      by: name,
      via: "api",
      at: "2026-11-03T10:00:00.000Z",
      signal: name,
      step: name,
    }));
    const log = renderRunLog({ ...base, execution: { ...base.execution, decisions } });
    const { body, frontMatter } = parseRunLog(log);
    const section = body.slice(body.indexOf("## Decisions"), body.indexOf("## Output"));
    // Outside code spans (which show their text as it is), no tag, link or emphasis is left unescaped.
    const outsideSpans = section.replace(/`[^`\n]*`/g, "");
    expect(outsideSpans).not.toMatch(/(?<!\\)[<>`]|(?<!\\)\]\(/);
    // One item per decision: no name broke a line or opened a fence.
    expect(section.split("\n").filter((line) => /^\d+\. /.test(line))).toHaveLength(HOSTILE_NAMES.length);
    expect(section).not.toContain("```");
    expect((frontMatter.decisions as RunDecision[]).map((d) => d.step)).toEqual(HOSTILE_NAMES);
  });
});

describe("a workflow that waited", () => {
  it("marks each wait in Steps, and says the entries after it came from a later process", () => {
    const base = runLogInput({ status: "succeeded" });
    const workflow = {
      declared: [
        { name: "reserve", rollback: true },
        { name: "charge", rollback: true },
      ],
      entries: [
        entry("reserve", "run", "succeeded"),
        entry("charge", "run", "waiting", { error: null, wait: { signal: "approved", timeoutMs: 60_000, pullRequest: null } }),
        entry("charge", "run", "succeeded"),
      ],
      state: {},
    };
    const { body } = parseRunLog(renderRunLog({ ...base, execution: { ...base.execution, report: workflowExecutionReport(workflow) } }));
    expect(body).toContain("| 2 | `charge` | run | ⏳ waiting |");
    expect(body).toContain("- ⏳ Entry 2: step `charge` waited for the signal `approved`; the entries after it came from a later process.");
  });
});
