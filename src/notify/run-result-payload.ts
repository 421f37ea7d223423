import type { ExecuteResult } from "../pipeline/job-data.js";
import type { ScriptTarget } from "../run-types.js";
import { workflowSummary } from "../runlog/workflow-summary.js";
import { interruptedStep } from "../runlog/interrupted-words.js";
import type { RunResultPayload } from "./post-run-result.js";

/**
 * What the result webhook gets for one recorded attempt: `execution` already redacted, and
 * `logUrl` where its record is (its own log, or a scheduled try's digest). A merged script and
 * a schedule are nobody: only a person who asked is named.
 */
export function runResultPayload(o: {
  runId: string;
  attempt: number;
  target: ScriptTarget;
  execution: ExecuteResult["execution"];
  logUrl: string;
}): RunResultPayload {
  const { target, execution } = o;
  const request = target.chore?.request;
  const workflow = execution.report?.workflow;
  const summary = workflow ? workflowSummary(workflow) : null;
  return {
    run_id: o.runId,
    attempt: o.attempt,
    repository: `${target.owner}/${target.repo}`,
    script: target.path,
    commit: target.commit,
    status: execution.status,
    exit_code: execution.exitCode,
    started_at: execution.startedAt,
    finished_at: execution.finishedAt,
    duration_ms: execution.durationMs,
    result: execution.report?.result ?? null,
    log_url: o.logUrl,
    trigger: request ? request.trigger : "merge",
    requested_by: request && request.schedule === undefined ? request.requestedBy : null,
    ...(summary ? { workflow: { outcome: summary.outcome, failed_step: summary.failedStep, steps: summary.steps } } : {}),
    ...(execution.status === "interrupted" ? { interrupted: { step: interruptedStep(workflow) } } : {}),
    ...(execution.decisions && execution.decisions.length > 0 ? { decisions: execution.decisions } : {}),
  };
}
