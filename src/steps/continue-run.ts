import type { Job } from "bullmq";
import type { IterationReport, RunDecision, WorkflowReport } from "../run-types.js";
import { APPROVAL_SIGNAL, type IterationResumption, type Resumption } from "../sdk/protocol.js";
import { formatDuration } from "../sdk/format-duration.js";
import type { RunJobData } from "../pipeline/job-data.js";
import type { CancelRequest } from "../stores/cancellations.js";
import type { LedgerEntry } from "../stores/execution-ledger.js";
import type { ParkedRun, ParkedRuns } from "../stores/parked-runs.js";
import { cancelledMessage, type RanBefore } from "./cancelled-message.js";
import { AlreadyRecorded } from "./already-recorded.js";
import { interruptedStep } from "./interrupted-step.js";
import { delayParked } from "./park-run.js";

/** What a parked run comes to once decided. */
export type Continuation =
  /** Start as usual: approvals were given (`approved`), or a Resume with nothing saved to go on from (`ranBefore`: the step its earlier attempt was lost in). */
  | { kind: "start"; approved: boolean; ranBefore: RanBefore }
  /** A fresh process goes on from `resumption`, its record seeded with `record`. */
  | { kind: "continue"; resumption: Resumption; record: WorkflowReport | null }
  /**
   * An iteration goes on in a fresh process from its checkpoint (`cursor` null: from the start), its record seeded with `record`;
   * `ranBefore`: the items its earlier processes checkpointed, null when none ran (it was paused before it started).
   */
  | { kind: "iterate"; resumption: IterationResumption; record: IterationReport | null; ranBefore: RanBefore }
  /** Nothing runs: the run is recorded with this status and message. */
  | { kind: "end"; status: "cancelled"; message: string };

/** A retry of an interrupted run that no person decided on (the dashboard's Retry): it changes nothing. */
export class NotDecided extends AlreadyRecorded {
  override name = "NotDecided";
}

export interface PickUpDeps {
  parked: Pick<ParkedRuns, "read" | "decide" | "payload" | "deliver" | "delivered">;
  cancellations: { cancelledBy(runId: string): Promise<CancelRequest | null>; clear(runId: string): Promise<void> };
  /** Gives back the attempt BullMQ counts for the refused retry: the run's next attempt keeps the next number. */
  uncount(): Promise<void>;
}

/**
 * A parked run picked up again (woken by a decision, or its periodic look): null when it is
 * not parked. Undecided, a waiting run goes back to `delayed` (this throws DelayedError), past
 * its deadline it takes the timeout itself, and a cancel request is its decision; an
 * interrupted run is never retried without a person's decision (this throws NotDecided).
 * What a decided run comes to is returned; its record stays until it goes on (the caller
 * clears it then), so a run that waits on for its lock or a freeze finds it again.
 */
export async function pickUp(
  deps: PickUpDeps,
  o: { job: Job<RunJobData>; token: string | undefined; attempt: number; ledger: () => Promise<LedgerEntry>; now?: number; recheckMs?: number },
): Promise<Continuation | null> {
  const { runId } = o.job.data;
  const now = o.now ?? Date.now();
  let parked = await deps.parked.read(runId);
  if (parked === null) return null;
  if (parked.kind !== "interrupted" && parked.decision === null) {
    const decision = await ownDecision(deps, parked, now);
    // Atomic against a person deciding at the same time: whichever came first is the decision.
    if (decision) parked = (await deps.parked.decide(runId, decision)).parked ?? (await deps.parked.read(runId));
    if (parked === null) return null;
  }
  const decision = parked.decision;
  if (decision === null) {
    if (parked.kind === "interrupted") {
      const message =
        parked.step === null
          ? `not run: this iteration was interrupted and runs again only by a person's decision: Resume goes on from its last checkpoint (the run page, POST /api/runs/${runId}/resume, chorebot resume); a plain retry changes nothing`
          : `not run: this run was interrupted at step ${parked.step} and runs again only by a person's decision: Resume or Roll back (the run page, POST /api/runs/${runId}/resume or /rollback, chorebot resume or rollback); a plain retry changes nothing`;
      await o.job.log(`attempt ${o.attempt}: ${message}`);
      await deps.uncount();
      throw new NotDecided(message);
    }
    return delayParked({ job: o.job, token: o.token, attempt: o.attempt, parked, now, ...(o.recheckMs === undefined ? {} : { recheckMs: o.recheckMs }) });
  }
  // Every signal the step was given so far goes with it: it runs again from its start, and each of its waits must find its own.
  const signals =
    parked.step === null
      ? {}
      : decision.kind === "signal"
        ? await deps.parked.deliver(runId, parked.step, parked.signal ?? decision.signal ?? "", await deps.parked.payload(runId))
        : await deps.parked.delivered(runId, parked.step);
  // The request is answered by this decision: it must not stop the walk back it starts.
  if (decision.kind === "cancel") await deps.cancellations.clear(runId);
  await o.job.log(`attempt ${o.attempt}: ${decision.kind} by ${decision.by} (${decision.via}) at ${decision.at}`);
  return continuation(parked, decision, await o.ledger(), signals);
}

/** The decision the worker takes itself: a cancel request (the API's, `chorebot cancel`), or the timeout once the deadline passed. */
async function ownDecision(deps: PickUpDeps, parked: ParkedRun, now: number): Promise<RunDecision | null> {
  const at = new Date(now).toISOString();
  const where = { ...(parked.signal === null ? {} : { signal: parked.signal }), ...(parked.step === null ? {} : { step: parked.step }) };
  const cancel = await deps.cancellations.cancelledBy(parked.runId);
  if (cancel) return { kind: "cancel", by: cancel.by, via: "api", at, ...where };
  if (parked.deadline !== null && Date.parse(parked.deadline) <= now) return { kind: "timeout", by: "timeout", via: "timer", at, ...where };
  return null;
}

/** What a decided parked run comes to (pure): see Continuation. `signals`: those delivered to the parked step so far, this decision's included. */
export function continuation(
  parked: ParkedRun,
  given: RunDecision,
  ledger: Pick<LedgerEntry, "resume" | "workflow"> & Partial<Pick<LedgerEntry, "iteration" | "attempt">>,
  signals: Record<string, unknown>,
): Continuation {
  // An iteration (paused, or interrupted: it has no step) goes on from its checkpoint, or ends.
  if (parked.kind === "paused" || (parked.kind === "interrupted" && parked.step === null))
    return iterationContinuation(parked, given, ledger.iteration ?? null, (ledger.attempt ?? 0) > 0);
  // A go-ahead given past the deadline (no worker looked in time to take the timeout) comes too late: the wait timed out.
  const late = parked.deadline !== null && Date.parse(given.at) > Date.parse(parked.deadline) && (given.kind === "approve" || given.kind === "signal");
  const decision: RunDecision = late ? { ...given, kind: "timeout" } : given;
  const waited = formatDuration(parked.deadline === null ? 0 : Date.parse(parked.deadline) - Date.parse(parked.since));
  if (parked.kind === "waiting" && parked.signal === APPROVAL_SIGNAL) {
    switch (decision.kind) {
      case "approve":
        return { kind: "start", approved: true, ranBefore: null };
      case "reject":
        return { kind: "end", status: "cancelled", message: `rejected by ${decision.by}; nothing of it ran` };
      case "timeout":
        return { kind: "end", status: "cancelled", message: `not approved within ${waited}; nothing of it ran` };
      default:
        return { kind: "end", status: "cancelled", message: cancelledMessage(decision.by, { before: null }) };
    }
  }
  const step = parked.step ?? "?";
  const from = (rollback: { reason: string } | null): Continuation => {
    if (parked.step === null)
      return rollback === null ? { kind: "start", approved: true, ranBefore: null } : { kind: "end", status: "cancelled", message: rollback.reason };
    // Nothing saved to go on from (the worker was lost before its first step was recorded): a Resume
    // starts afresh; a Roll back runs the first step's rollback (if it has one) from the initial state.
    if (ledger.resume === null) {
      if (rollback === null) return { kind: "start", approved: true, ranBefore: { step: parked.step } };
      return { kind: "continue", resumption: { from: parked.step, seq: 0, signals, rollback }, record: ledger.workflow?.report ?? null };
    }
    const resumption: Resumption = { from: parked.step, state: ledger.resume.state, seq: ledger.resume.seq, signals, rollback };
    return { kind: "continue", resumption, record: ledger.workflow?.report ?? null };
  };
  switch (decision.kind) {
    case "signal":
      return from(null);
    case "timeout":
      return from({ reason: `waiting for ${parked.signal ?? "a signal"} timed out after ${waited}` });
    case "cancel":
      return from({ reason: `cancelled by ${decision.by} while waiting for ${parked.signal ?? "a signal"}` });
    case "resume":
      // A run that began walking back never runs forward again: Resume goes on with the walk back.
      return walkingBack(ledger)
        ? from({ reason: `resumed by ${decision.by} after the rollback of step ${step} was interrupted: the walk back goes on` })
        : from(null);
    case "rollback":
      return from({ reason: `rolled back by ${decision.by} after step ${step} was interrupted` });
    default:
      // approve/reject only decide approvals (ParkedRuns.decide refuses them elsewhere).
      return {
        kind: "end",
        status: "cancelled",
        message: `${decision.kind} by ${decision.by} does not decide a run waiting for ${parked.signal ?? "a decision"}`,
      };
  }
}

/**
 * What a decided paused or interrupted iteration comes to (pure): a Resume goes on from the ledger's checkpoint; anything else
 * ends it. `started`: a process of the run started its script (the ledger says so), so one ran before, even with nothing checkpointed.
 */
function iterationContinuation(parked: ParkedRun, decision: RunDecision, saved: LedgerEntry["iteration"], started: boolean): Continuation {
  const done = saved?.checkpoint.done ?? 0;
  const items = `${done} ${done === 1 ? "item" : "items"}`;
  if (decision.kind === "resume") {
    const checkpoint = saved?.checkpoint ?? null;
    // Nothing was checkpointed (paused or lost during its first batch): from the start.
    const resumption: IterationResumption = checkpoint
      ? { seq: checkpoint.seq, done: checkpoint.done, cursor: checkpoint.cursor }
      : { seq: 0, done: 0, cursor: null };
    return { kind: "iterate", resumption, record: saved?.report ?? null, ranBefore: started || saved !== null ? { items: done } : null };
  }
  const how = parked.kind === "paused" ? "while paused" : "after it was interrupted";
  if (decision.kind === "cancel")
    return { kind: "end", status: "cancelled", message: `cancelled by ${decision.by} ${how} after ${items}; nothing more was processed` };
  // The decider takes nothing else on an iteration (no_rollback, not_waiting): this is a record written by hand.
  return { kind: "end", status: "cancelled", message: `${decision.kind} by ${decision.by} does not decide an iteration ${how}; nothing more was processed` };
}

function walkingBack(ledger: Pick<LedgerEntry, "workflow">): boolean {
  const report = ledger.workflow?.report;
  return report ? (interruptedStep(report.declared, report)?.walkingBack ?? false) : false;
}

/** What earlier processes of a picked-up run did (pure), for the message of a cancel that comes before it goes on: null for a run never parked. */
export function ranBefore(picked: Continuation | null): RanBefore {
  if (picked === null || picked.kind === "end") return null;
  return picked.kind === "continue" ? { step: picked.resumption.from } : picked.ranBefore;
}
