import { formatDuration } from "../runlog/format-duration.js";
import type { ExecutionResult, ScheduledTry } from "../run-types.js";
import { cleanupJobId, scheduledRunId } from "../pipeline/run-id.js";
import type { ScheduleDigests } from "../stores/schedule-digests.js";
import type { ScheduleStates } from "../stores/schedule-states.js";
import { nextTry } from "./next-try.js";
import { isFailure, OWN_LOGS_PER_DAY, recordPlan, streakEdge, type StreakEdge } from "./record-plan.js";
import type { DigestRow, OccurrenceRuns, ScheduleRef } from "./schedule-types.js";

export interface ScheduledRunEndDeps {
  states: Pick<ScheduleStates, "countEnd" | "recordEnd" | "releaseTurn">;
  digests: Pick<ScheduleDigests, "add" | "claimOwnLog">;
  occurrences: OccurrenceRuns;
}

/** One try that ended: which, how (redacted), and where its own log would go. */
export interface EndedTry {
  ref: ScheduleRef;
  scheduled: ScheduledTry;
  runId: string;
  /** 1, or 2+ for a person's re-run of this try from the dashboard: each is recorded once. */
  runAttempt: number;
  execution: ExecutionResult;
  /** The try's own log path (targetLogPath). */
  logPath: string;
}

/**
 * What becomes of the try: `retried` (the next try is queued; the digest has this one),
 * `commit` (its log is committed at once, and for a streak's first failure the day's digest
 * with it), or `digest` (only the digest has it). Every answer but `retried` ends the occurrence.
 */
export type TryRecord = { kind: "retried"; runId: string; delayMs: number } | { kind: "commit"; edge: StreakEdge; withDigest: boolean } | { kind: "digest" };

/**
 * Decides and stores what the end of a scheduled try means: counted once for /metrics; while
 * the chore's reviewed retries allow, the next try is queued (a new run, its own id and
 * record); otherwise the occurrence ends: its end is recorded against the schedule's failure
 * streak, and the try goes to the digest, with a link to its own log when it starts or ends a
 * streak (within the day's OWN_LOGS_PER_DAY). Idempotent per run: a cleanup that runs again
 * queues nothing new, counts nothing twice and gets the same answer.
 */
export async function scheduledRunEnd(deps: ScheduledRunEndDeps, ended: EndedTry): Promise<TryRecord> {
  const { ref, scheduled, execution } = ended;
  const { schedulerId, occurrenceMs, attempt } = scheduled;
  // What "once" is counted by: the run, or a person's re-run of it (its own cleanup job id).
  const runId = recordId(ended);
  await deps.states.countEnd(runId, execution.status);
  const next = nextTry(scheduled.schedule, { attempt, status: execution.status });
  let refusal: string | null = null;
  if (next !== null) {
    const queued = await deps.occurrences.queue(ref, { occurrenceMs, attempt: next.attempt }, next.delayMs);
    if ("runId" in queued) {
      const note = `retried: try ${next.attempt} of ${scheduled.schedule.retries.attempts} in ${formatDuration(next.delayMs)}`;
      await deps.digests.add(ref, digestRow(ended, null, note));
      return { kind: "retried", runId: queued.runId, delayMs: next.delayMs };
    }
    // The chore lost its schedule or its runnable version meanwhile: this try is the last.
    refusal = `not retried: ${queued.refused}`;
  }
  const { wasFailing } = await deps.states.recordEnd(schedulerId, {
    runId,
    status: execution.status,
    at: execution.finishedAt,
    failing: isFailure(execution.status),
  });
  const end = { status: execution.status, wasFailing };
  const ownLog = streakEdge(end) !== null && (await deps.digests.claimOwnLog(schedulerId, occurrenceIso(scheduled), runId, OWN_LOGS_PER_DAY));
  const plan = recordPlan(end, ownLog);
  const note = [refusal, plan.kind === "digest" ? plan.note : plan.edge === "recovery" ? "recovered" : "first failure"].filter((s) => s !== null).join("; ");
  await deps.digests.add(ref, digestRow(ended, plan.kind === "commit" ? ended.logPath : null, note === "" ? null : note));
  return plan.kind === "commit" ? plan : { kind: "digest" };
}

/** Frees the schedule's turn once an occurrence's last try ended (the turn is held under its first try's run id). */
export async function releaseOccurrence(deps: Pick<ScheduledRunEndDeps, "states">, scheduled: ScheduledTry): Promise<void> {
  await deps.states.releaseTurn(scheduled.schedulerId, scheduledRunId(scheduled.schedulerId, scheduled.occurrenceMs, 1));
}

export function occurrenceIso(scheduled: Pick<ScheduledTry, "occurrenceMs">): string {
  return new Date(scheduled.occurrenceMs).toISOString();
}

function recordId(ended: Pick<EndedTry, "runId" | "runAttempt">): string {
  return cleanupJobId(ended.runId, ended.runAttempt);
}

function digestRow(ended: EndedTry, logPath: string | null, note: string | null): DigestRow {
  const { execution } = ended;
  const report = execution.report;
  const counters = Object.fromEntries(Object.entries(report?.counters ?? {}).filter((entry): entry is [string, number] => typeof entry[1] === "number"));
  const result = report?.result !== undefined ? JSON.stringify(report.result) : isFailure(execution.status) ? execution.message : null;
  return {
    occurrence: occurrenceIso(ended.scheduled),
    runId: recordId(ended),
    attempt: ended.scheduled.attempt,
    status: execution.status,
    startedAt: execution.startedAt,
    durationMs: execution.durationMs,
    counters,
    result: result ?? null,
    note,
    logPath,
  };
}
