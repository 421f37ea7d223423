import type { CapturedOutput, ExecutionReport, ExecutionResult, IterationReport, WorkflowReport } from "../run-types.js";
import type { FinishedSummary, LedgerEntry } from "../stores/execution-ledger.js";
import { interruptedStep, type InterruptedAt } from "./interrupted-step.js";

const NO_OUTPUT: CapturedOutput = { lines: [], omittedBytes: 0, omittedAt: null };

/**
 * The record of an execute job that failed instead of returning a result: its worker died
 * (or chorebot itself broke). Whether the script may have run is told by the ledger, and what
 * it printed by the tail its worker saved while it ran (`output`).
 */
export function lostExecution(o: { started: boolean; reason: string; startedAt: Date; finishedAt: Date; output?: CapturedOutput }): ExecutionResult {
  return {
    status: o.started ? "lost" : "failed",
    exitCode: null,
    signal: null,
    startedAt: o.startedAt.toISOString(),
    finishedAt: o.finishedAt.toISOString(),
    durationMs: Math.max(0, o.finishedAt.getTime() - o.startedAt.getTime()),
    output: o.output ?? NO_OUTPUT,
    message: o.started
      ? `the worker stopped during execution; the script may have partly run (${o.reason})`
      : `chorebot could not start the script (${o.reason})`,
  };
}

/**
 * What an attempt whose execute job failed did, from the ledger: when the script finished but
 * its worker could not complete the job (it lost its claim, e.g. Redis was unreachable), what
 * happened is recorded there and only the output is gone; otherwise it was lost (or never
 * started).
 */
export function failedAttemptExecution(o: {
  entry: LedgerEntry;
  attempt: number;
  reason: string;
  processedOn: Date;
  finishedOn: Date;
  /** A workflow's declared steps: a workflow lost mid-way is `interrupted`, and waits for a person. */
  declared?: readonly { name: string; rollback: boolean }[];
  /** An iteration: one lost after it started is `interrupted` too, and goes on from its last checkpoint at a person's Resume. */
  iteration?: boolean;
}): ExecutionResult {
  const { entry, attempt, reason } = o;
  const finished = entry.resultAttempt === attempt ? entry.result : null;
  const output = entry.output?.attempt === attempt ? entry.output.output : undefined;
  const steps = entry.workflow?.attempt === attempt ? entry.workflow.report : null;
  const workflow = steps === null ? {} : { report: workflowOnly(steps) };
  if (finished) return { ...finished, output: output ?? NO_OUTPUT, message: unrecordedMessage(finished, reason, output !== undefined), ...workflow };
  const started = entry.attempt === attempt;
  // Times of the attempt that started: from the ledger's start to when its loss was noticed.
  const lost = lostExecution({
    started,
    reason,
    startedAt: (started ? entry.startedAt : null) ?? o.processedOn,
    finishedAt: o.finishedOn,
    ...(output ? { output } : {}),
  });
  if (o.iteration) {
    // A Resume's attempt lost before it recorded its start leaves the earlier attempts' checkpoint standing: still interrupted.
    const saved = entry.iteration;
    if (!started && saved === null) return lost;
    return {
      ...lost,
      status: "interrupted",
      message: iterationInterruptedMessage(saved?.checkpoint.done ?? 0, reason),
      ...(saved ? { report: iterationOnly(saved.report) } : {}),
    };
  }
  // A resumed attempt lost before its first step saved anything: the record so far is the earlier attempt's.
  const record = steps ?? entry.workflow?.report ?? null;
  // An attempt lost before it recorded its start (a Resume's, after it took the decision) leaves the earlier attempts' steps standing: still interrupted.
  const interrupted = started || record !== null ? lostAt(o.declared, record) : null;
  if (interrupted) {
    return { ...lost, status: "interrupted", message: interruptedMessage(interrupted, reason), ...(record ? { report: workflowOnly(record) } : {}) };
  }
  return steps === null ? lost : { ...lost, message: `${lost.message}; ${stepsSoFar(steps)}`, ...workflow };
}

/** The step a started workflow was lost in (see interruptedStep), or null for any other script or a finished record. */
export function lostAt(declared: readonly { name: string; rollback: boolean }[] | undefined, steps: WorkflowReport | null): InterruptedAt | null {
  return declared ? interruptedStep(declared, steps) : null;
}

function interruptedMessage(at: InterruptedAt, reason: string): string {
  const what = at.walkingBack ? `the rollback of step ${at.step}` : `step ${at.step}`;
  return `${what} was interrupted: its worker stopped (${reason}); it is not run again on its own: Resume or Roll back`;
}

function iterationInterruptedMessage(done: number, reason: string): string {
  const after = done === 0 ? "before its first checkpoint" : `after ${done} ${done === 1 ? "item" : "items"} (its last checkpoint)`;
  return `the iteration was interrupted ${after}: its worker stopped (${reason}); it is not run again on its own: Resume goes on from its last checkpoint`;
}

/** A report holding only an iteration's record (its batch in flight unknown: that died with its worker). */
export function iterationOnly(iteration: IterationReport): ExecutionReport {
  return { ...workflowOnly(null), iteration: { ...iteration, paused: false } };
}

/** What a lost workflow's record says it had done: its worker is gone, so nothing more happens on its own. */
function stepsSoFar(workflow: WorkflowReport): string {
  const ran = workflow.entries.filter((entry) => entry.direction === "run" && entry.outcome === "succeeded").map((entry) => entry.step);
  const undone = workflow.entries.filter((entry) => entry.direction === "rollback" && entry.outcome === "succeeded").map((entry) => entry.step);
  const done = ran.length === 0 ? "no step had completed" : `steps completed: ${ran.join(", ")}`;
  return `${done}${undone.length === 0 ? "" : `; rolled back: ${undone.join(", ")}`}; nothing is re-run or rolled back on its own`;
}

/** A report holding only a workflow's record: the rest of what the script reported died with its worker. */
function workflowOnly(workflow: WorkflowReport | null): ExecutionReport {
  return {
    inputs: null,
    counters: {},
    progress: null,
    result: undefined,
    failReason: null,
    logs: [],
    droppedLogs: 0,
    rejectedLines: 0,
    ...(workflow ? { workflow } : {}),
  };
}

function unrecordedMessage(finished: FinishedSummary, reason: string, tail: boolean): string {
  const how = finished.exitCode !== null ? `exit code ${finished.exitCode}` : finished.signal ? `signal ${finished.signal}` : "no exit code";
  return (
    `the script finished (${how}${finished.message ? `: ${finished.message}` : ""}), but its worker lost its claim on the job ` +
    `before it could record the run (${reason}); ${tail ? "only the last lines of its output saved while it ran were kept" : "its output was not kept"}`
  );
}
