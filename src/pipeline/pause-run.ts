import { Job, type Queue } from "bullmq";
import type { RunDecision } from "../run-types.js";
import { onlyChildValue } from "../steps/children-value.js";
import type { ParkedRun, ParkedRuns, PauseRefusal } from "../stores/parked-runs.js";
import { processResultOf } from "./format-1.js";
import type { ProcessResult } from "./job-data.js";
import { executeJobId } from "./run-id.js";

/** Why a pause was not asked for: the run's own state (ParkedRuns' refusals), or what pauseRun found first. */
export type PauseRunRefusal = PauseRefusal | "unknown" | "not_iteration" | "not_prepared";

const FINISHED = "this run is over: there is nothing to pause";

export type PauseAnswer =
  | { ok: true; request: RunDecision; message: string }
  /** `status`: what a surface answers with (404 for no such run, 409 for the run's state). */
  | { ok: false; status: 404 | 409; refusal: PauseRunRefusal; message: string };

export interface PauseDeps {
  parked: Pick<ParkedRuns, "requestPause" | "read">;
  execute: Queue;
}

/**
 * The one way a running iteration is paused, from any surface (page, API, CLI, comment): the
 * run must be an iteration (its process result says so) that has not finished; the request is
 * then taken atomically (ParkedRuns.requestPause: of two at once, one is refused), recorded
 * among its decisions, and answered by its worker at the next checkpoint. Permission is the
 * caller's to check first, as for decisions.
 */
export async function pauseRun(deps: PauseDeps, runId: string, actor: Pick<RunDecision, "by" | "via">): Promise<PauseAnswer> {
  const job = await Job.fromId(deps.execute, executeJobId(runId));
  if (!job) return refuse(404, "unknown", `there is no run ${runId}`);
  const state = await job.getState();
  const processed = await onlyChildValue<ProcessResult>(job, { optional: true });
  if (processed === undefined) {
    // Its script is not bundled yet (or its process step failed): nothing says it is an iteration.
    return refuse(409, "not_prepared", "this run has not been prepared yet, so it is not known to be an iteration; ask again once it runs");
  }
  if (!processResultOf(processed).description?.iteration) return refuse(409, "not_iteration", "only an iteration can be paused; this run is not one");
  // A failed job with a parked record is an interrupted iteration: requestPause says so.
  if (state === "completed" || (state === "failed" && (await deps.parked.read(runId)) === null)) {
    return refuse(409, "finished", FINISHED);
  }
  const request: RunDecision = { kind: "pause", by: actor.by, via: actor.via, at: new Date().toISOString() };
  const taken = await deps.parked.requestPause(runId, request);
  if (!taken.ok) return refuse(409, taken.refusal, pauseRefusalMessage(taken.refusal, taken.request, taken.parked));
  return { ok: true, request, message: takenMessage(taken.parked) };
}

/** A pause taken: of a running iteration, or of a parked one decided to go on and not picked up yet (its worker parks it again before it goes on). */
function takenMessage(parked: ParkedRun | undefined): string {
  const decision = parked?.decision;
  if (decision?.kind === "resume")
    return `pausing: the Resume by @${decision.by} at ${decision.at} has not started yet, so it pauses again before it goes on, keeping its checkpoint; Resume goes on from there`;
  if (decision) return "pausing: it was approved and has not started yet, so it pauses before it starts; Resume starts it";
  return "pausing: it stops after its current batch, keeping its checkpoint; Resume goes on from there";
}

/** A pause's refusal in a sentence, the same on every surface. */
export function pauseRefusalMessage(refusal: PauseRefusal, request: RunDecision | null, parked: ParkedRun | null): string {
  switch (refusal) {
    case "pause_requested":
      return request
        ? `a pause was already asked for by @${request.by} at ${request.at}: it stops after its current batch`
        : "a pause was already asked for: it stops after its current batch";
    case "already_paused":
      return `this run is paused already${parked ? ` (since ${parked.since})` : ""}: Resume goes on from its checkpoint`;
    case "ending": {
      const decision = parked?.decision;
      if (!decision) return "this run is ending: nothing more of it runs";
      const what = decision.kind === "cancel" ? "cancelled it" : decision.kind === "reject" ? "rejected it" : `decided ${decision.kind}`;
      return `this run is ending: ${decision.by === "timeout" ? "its wait timed out" : `@${decision.by} ${what}`} at ${decision.at}, and nothing more of it runs`;
    }
    case "finished":
      return FINISHED;
    case "not_running":
      if (parked?.kind === "interrupted") return "this run is not running: it was interrupted; Resume goes on from its last checkpoint";
      return "this run is not running: it is waiting for a decision, and only a running iteration can be paused";
  }
}

function refuse(status: 404 | 409, refusal: PauseRunRefusal, message: string): PauseAnswer {
  return { ok: false, status, refusal, message };
}
