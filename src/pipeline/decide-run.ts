import { Job, type Queue } from "bullmq";
import { MAX_SIGNAL_PAYLOAD_BYTES } from "../sdk/protocol.js";
import type { RunDecision } from "../run-types.js";
import type { DecideRefusal, ParkedRun, ParkedRuns } from "../stores/parked-runs.js";
import { executeJobId } from "./run-id.js";

/** What a person asks of a parked run, from any surface (page, API, CLI, comment, review). */
export type DecisionRequest =
  { kind: "approve" } | { kind: "reject" } | { kind: "signal"; signal: string; payload: unknown } | { kind: "resume" } | { kind: "rollback" };

export type DecideAnswer =
  | { ok: true; moves: boolean; parked: ParkedRun; message: string }
  /** `status`: the HTTP status a surface answers with (409 for the run's state, 403 for one's own approval, 413 for a payload). */
  | { ok: false; status: 403 | 409 | 413; refusal: DecideRefusal | "payload_too_large"; message: string };

export interface DecideDeps {
  parked: Pick<ParkedRuns, "decide">;
  execute: Queue;
}

/**
 * The one way a parked run is decided on: the decision is taken atomically (see
 * ParkedRuns.decide), then the run's execute job is woken (a waiting one promoted, an
 * interrupted one retried) so a worker acts on it at once. Permission is the caller's to check
 * first: it knows who is asking and how they signed in.
 */
export async function decideRun(deps: DecideDeps, runId: string, request: DecisionRequest, actor: Pick<RunDecision, "by" | "via">): Promise<DecideAnswer> {
  const payload = request.kind === "signal" ? (request.payload ?? null) : null;
  const depth = nestingDepth(payload, MAX_SIGNAL_PAYLOAD_DEPTH);
  if (depth > MAX_SIGNAL_PAYLOAD_DEPTH) {
    return {
      ok: false,
      status: 413,
      refusal: "payload_too_large",
      message: `the payload is nested more than ${MAX_SIGNAL_PAYLOAD_DEPTH} levels deep; a signal's payload may nest at most ${MAX_SIGNAL_PAYLOAD_DEPTH}. Nothing was delivered`,
    };
  }
  const bytes = Buffer.byteLength(JSON.stringify(payload));
  if (bytes > MAX_SIGNAL_PAYLOAD_BYTES) {
    return {
      ok: false,
      status: 413,
      refusal: "payload_too_large",
      message: `the payload is ${bytes} bytes as JSON; a signal's payload may be at most ${MAX_SIGNAL_PAYLOAD_BYTES} bytes. Nothing was delivered`,
    };
  }
  const decision: RunDecision = {
    kind: request.kind,
    by: actor.by,
    via: actor.via,
    at: new Date().toISOString(),
    ...(request.kind === "signal" ? { signal: request.signal } : {}),
  };
  const taken = await deps.parked.decide(runId, decision, payload);
  if (!taken.ok) {
    // A decision already taken is woken again: the one who took it may have died before waking it.
    if (taken.refusal === "decided" && taken.parked) await wakeRun(deps.execute, runId);
    return {
      ok: false,
      status: taken.refusal === "own_request" ? 403 : 409,
      refusal: taken.refusal,
      message: refusalMessage(taken.refusal, taken.parked, request),
    };
  }
  if (taken.moves) await wakeRun(deps.execute, runId);
  return { ok: true, moves: taken.moves, parked: taken.parked, message: acceptedMessage(taken.parked, decision) };
}

/**
 * How deep a payload may nest. A few kilobytes of `[[[…` nest thousands deep, past what
 * JSON.stringify (here, in the worker) and the step's structuredClone can copy without
 * overflowing the stack: such a payload would be taken and never reach the step.
 */
export const MAX_SIGNAL_PAYLOAD_DEPTH = 100;

/** How deep `value` nests (a scalar is 0), counted without recursion and only up to `limit` + 1. */
function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [next, depth] = pending.pop()!;
    if (next === null || typeof next !== "object") continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > limit) return deepest;
    for (const child of Object.values(next)) pending.push([child, depth + 1]);
  }
  return deepest;
}

/** Makes a worker look at the run now: its delayed execute job promoted, or its failed one (interrupted) retried. Anything else is left alone. */
export async function wakeRun(execute: Queue, runId: string): Promise<void> {
  const job = await Job.fromId(execute, executeJobId(runId));
  if (!job) return;
  const state = await job.getState();
  // Either may already have moved on (another wake, the worker itself): that is what was wanted.
  if (state === "delayed") await job.promote().catch(() => undefined);
  else if (state === "failed") await job.retry("failed").catch(() => undefined);
}

/** A refusal in a sentence, the same on every surface. */
export function refusalMessage(refusal: DecideRefusal, parked: ParkedRun | null, request: DecisionRequest): string {
  switch (refusal) {
    case "not_parked":
      return "this run is not waiting for a signal, an approval or a decision (it is unknown, running, or finished)";
    case "not_waiting":
      if (parked?.kind === "paused") return "this run is not waiting for a signal: it is paused; Resume it to go on from its checkpoint";
      return parked?.step == null
        ? "this run is not waiting: it was interrupted; Resume it to go on from its checkpoint"
        : `this run is not waiting: it was interrupted at step ${parked.step}; choose Resume or Roll back`;
    case "not_interrupted":
      return `this run was not interrupted: it is waiting for ${waitingFor(parked)}`;
    case "other_signal":
      return request.kind === "signal"
        ? `this run is not waiting for the signal ${JSON.stringify(request.signal)}: it is waiting for ${waitingFor(parked)}`
        : `this run is not waiting for approvals: it is waiting for ${waitingFor(parked)}`;
    case "decided": {
      const first = parked?.decision;
      return first ? `already decided: ${first.kind} by ${first.by} at ${first.at}; nothing more was done` : "already decided; nothing more was done";
    }
    case "own_request":
      return "you asked for this run, so you cannot approve it: another person with the chore's permission must";
    case "already_approved":
      return "you have approved this run already: it needs another person's approval";
    case "no_rollback":
      return "an iteration has no rollbacks: Resume it to go on from its last checkpoint, or cancel it";
    case "expired":
      return `too late: this run waited for ${waitingFor(parked)} until ${parked?.deadline ?? "its deadline"}; it times out now (a wait rolls back, an approval cancels the run)`;
  }
}

function waitingFor(parked: ParkedRun | null): string {
  if (!parked || parked.signal === null) return "a decision";
  return parked.signal === "approval" ? "approvals" : `the signal ${JSON.stringify(parked.signal)}`;
}

function acceptedMessage(parked: ParkedRun, decision: RunDecision): string {
  switch (decision.kind) {
    case "approve": {
      const approval = parked.approval!;
      return approval.approvals.length >= approval.count
        ? `approved (${approval.approvals.length} of ${approval.count}): the run starts`
        : `approved (${approval.approvals.length} of ${approval.count}): it still needs ${approval.count - approval.approvals.length} more`;
    }
    case "reject":
      return "rejected: the run is cancelled, nothing of it ran";
    case "signal":
      return `signal ${JSON.stringify(decision.signal)} delivered: step ${parked.step ?? "?"} goes on`;
    case "resume":
      // An iteration (paused, or interrupted: no step) goes on after its last checkpointed item.
      return parked.step === null ? "resuming: it goes on from its last checkpoint" : `resuming: step ${parked.step} runs again, then the workflow goes on`;
    case "rollback":
      return `rolling back: the completed steps' rollbacks run in reverse${parked.step ? `, step ${parked.step}'s first if it has one` : ""}`;
    case "timeout":
    case "cancel":
      return `${decision.kind}: the run rolls back`;
    case "pause":
      return "pausing after the current batch";
  }
}
