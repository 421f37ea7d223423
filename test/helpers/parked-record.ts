import type { ParkInit } from "../../src/stores/parked-runs.js";

/** A record parking run `runId` of acme/ops: interrupted, just now, by attempt 1, waiting on nothing, asked for by nobody; `over` changes any of it. */
export function parkedRecord(runId: string, over: Partial<ParkInit> = {}): ParkInit {
  return {
    runId,
    kind: "interrupted",
    owner: "acme",
    repo: "ops",
    chore: null,
    since: new Date().toISOString(),
    attempt: 1,
    signal: null,
    step: null,
    deadline: null,
    pullRequest: null,
    requestedBy: null,
    approval: null,
    ...over,
  };
}
