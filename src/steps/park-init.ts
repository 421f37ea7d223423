import type { RunJobData } from "../pipeline/job-data.js";
import type { ParkInit } from "../stores/parked-runs.js";

type ParkedAt = Partial<Pick<ParkInit, "signal" | "step" | "failure" | "deadline" | "pullRequest" | "approval">>;

/**
 * The record that parks the run of `data`: what every kind says (whose run it is, when and by
 * which attempt it was parked, who asked for it), with `at` for what this kind waits on; what
 * `at` leaves out is null (no signal, step, deadline, pull request or approvals).
 */
export function parkInit(data: RunJobData, o: Pick<ParkInit, "kind" | "since" | "attempt" | "requestedBy">, at: ParkedAt = {}): ParkInit {
  const { runId, target } = data;
  return {
    runId,
    kind: o.kind,
    owner: target.owner,
    repo: target.repo,
    chore: target.chore?.name ?? null,
    since: o.since,
    attempt: o.attempt,
    requestedBy: o.requestedBy,
    signal: null,
    step: null,
    deadline: null,
    pullRequest: null,
    approval: null,
    ...at,
  };
}
