import type { ExecutionReport, WorkflowEntry, WorkflowReport } from "../../../src/run-types.js";

/** Hand-made workflow records, as the runner's aggregator would fill `ExecutionReport.workflow` (redacted already). */

let clock = Date.parse("2026-11-03T10:00:00.000Z");

/** One run or rollback of a step; times go forward with each one made. */
export function entry(
  step: string,
  direction: WorkflowEntry["direction"],
  outcome: WorkflowEntry["outcome"],
  over: Partial<WorkflowEntry> = {},
): WorkflowEntry {
  clock += 1000;
  return {
    step,
    direction,
    outcome,
    startedAt: new Date(clock).toISOString(),
    durationMs: 120,
    error: outcome === "succeeded" ? null : `${step} ${outcome.replace("_", " ")}`,
    changes: [],
    moreChanges: 0,
    ...over,
  };
}

const DECLARED = [
  { name: "reserve", rollback: true },
  { name: "charge", rollback: true },
  { name: "ship", rollback: true },
];

/** Every step ran. */
export function succeededWorkflow(): WorkflowReport {
  return {
    declared: DECLARED,
    entries: [
      entry("reserve", "run", "succeeded", { changes: [{ path: "$.reserved", before: false, after: true }] }),
      entry("charge", "run", "succeeded", { changes: [{ path: "$.chargeId", after: "ch_1" }] }),
      entry("ship", "run", "succeeded"),
    ],
    state: { reserved: true, chargeId: "ch_1" },
  };
}

/** The third step failed; the walk back undid 3, 2, 1. */
export function rolledBackWorkflow(): WorkflowReport {
  return {
    declared: DECLARED,
    entries: [
      entry("reserve", "run", "succeeded", { changes: [{ path: "$.reserved", before: false, after: true }] }),
      entry("charge", "run", "succeeded", { changes: [{ path: "$.chargeId", after: "ch_1" }] }),
      entry("ship", "run", "failed", { error: "carrier down: 503" }),
      entry("ship", "rollback", "succeeded"),
      entry("charge", "rollback", "succeeded", { changes: [{ path: "$.chargeId", before: "ch_1" }] }),
      entry("reserve", "rollback", "succeeded", { changes: [{ path: "$.reserved", before: true, after: false }] }),
    ],
    state: { reserved: false },
  };
}

/** The third step failed; its rollback ran, then charge's rollback failed and the walk stopped. */
export function rollbackFailedWorkflow(): WorkflowReport {
  return {
    declared: DECLARED,
    entries: [
      entry("reserve", "run", "succeeded"),
      entry("charge", "run", "succeeded"),
      entry("ship", "run", "failed", { error: "carrier down: 503" }),
      entry("ship", "rollback", "succeeded"),
      entry("charge", "rollback", "failed", { error: "refund refused" }),
    ],
    state: { reserved: true, chargeId: "ch_1" },
  };
}

/** What the ledger held when the worker died during `charge`: one step done, nothing after. */
export function lostWorkflow(): WorkflowReport {
  return { declared: DECLARED, entries: [entry("reserve", "run", "succeeded")], state: { reserved: true } };
}

/** An observer vetoed `charge`: it never ran, and reserve (no rollback) stays done. */
export function vetoedWorkflow(): WorkflowReport {
  return {
    declared: [
      { name: "reserve", rollback: false },
      { name: "charge", rollback: true },
    ],
    entries: [entry("reserve", "run", "succeeded"), entry("charge", "run", "vetoed", { error: "not on a weekend" })],
    state: {},
  };
}

/** Step names and errors written to break whatever shows them: Markdown, HTML, Mermaid, a table, a fence. */
export const HOSTILE_NAMES = [
  'a"] --> evil["x',
  "b`code`|cell|",
  "<img src=x onerror=alert(1)>",
  "line\nbreak ```",
  "#quot; %%{init}%% ; end",
  "[link](javascript:alert(1))",
];

export function hostileWorkflow(): WorkflowReport {
  const declared = HOSTILE_NAMES.map((name) => ({ name, rollback: true }));
  const entries = [
    ...HOSTILE_NAMES.slice(0, 4).map((name) =>
      entry(name, "run", "succeeded", { changes: [{ path: "$.x\n```", before: "```\n</details>", after: "<script>" }] }),
    ),
    entry(HOSTILE_NAMES[4]!, "run", "failed", { error: "| a | b |\n<b>bold</b> `tick` --> x" }),
    ...HOSTILE_NAMES.slice(0, 4)
      .reverse()
      .map((name) => entry(name, "rollback", "succeeded")),
  ];
  return { declared, entries, state: null };
}

/** MAX_WORKFLOW_STEPS (50) steps, every one run and rolled back after the last failed. */
export function manyStepsWorkflow(steps = 50): WorkflowReport {
  const declared = Array.from({ length: steps }, (_, i) => ({ name: `step-${i + 1}`, rollback: true }));
  const entries = [
    ...declared.map(({ name }, i) => entry(name, "run", i === steps - 1 ? "failed" : "succeeded")),
    ...[...declared].reverse().map(({ name }) => entry(name, "rollback", "succeeded")),
  ];
  return { declared, entries, state: {} };
}

/** An SDK report carrying nothing but a workflow record. */
export function workflowExecutionReport(workflow: WorkflowReport): ExecutionReport {
  return { inputs: null, counters: {}, progress: null, result: undefined, failReason: null, logs: [], droppedLogs: 0, rejectedLines: 0, workflow };
}
