import type { Job } from "bullmq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ExecuteResult, ProcessResult, RunJobData } from "../../../src/pipeline/job-data.js";
import type { ScriptDescription } from "../../../src/sdk/protocol.js";
import { outcomeReader } from "../../../src/steps/flow-outcome.js";
import { ExecutionLedger } from "../../../src/stores/execution-ledger.js";
import { ParkedRuns } from "../../../src/stores/parked-runs.js";
import { RunOutcomes } from "../../../src/stores/run-outcomes.js";
import { approvedByBob, flowNode, plainTarget, runData, startStepQueues, type StepQueues } from "../steps/step-fixtures.js";

// A run waiting for approval wakes every minute to look at its record. The worker that woke it is
// SIGKILLed in that moment: BullMQ fails the stalled job, and the run is recorded as never started.
// Its approval request must end with it: otherwise it stays parked for ever (retention keeps it),
// is listed among the waiting runs, and people can still approve a run that is over.
let q: StepQueues;
beforeAll(async () => {
  q = await startStepQueues();
});
afterAll(async () => {
  await q?.close();
});
afterEach(() => q.reset());

const description: ScriptDescription = {
  description: null,
  inputs: {},
  concurrency: "self",
  timeoutMs: null,
  env: null,
  approval: { count: 1, timeoutMs: 60 * 60_000 },
};
const processed: ProcessResult = approvedByBob(
  { number: 7, url: "https://github.example/acme/widgets/pull/7", author: "alice", title: "Fix" },
  { description },
);

describe("attack: the worker of a run waiting for approval dies while it looks at its record", () => {
  it("records the run as not started, and it no longer waits for approvals", async () => {
    const parked = new ParkedRuns(q.redis, q.prefix);
    const ledger = new ExecutionLedger(q.redis, q.prefix);
    const data = runData(plainTarget(`scripts/approve-${Date.now()}.ts`));
    await q.handle("process", async () => processed);
    await q.handle("execute", async (job: Job<RunJobData>) => {
      // Parked for approval (as parkForApproval does), then the worker is gone before the job moved to delayed.
      await parked.park({
        runId: job.data.runId,
        kind: "waiting",
        owner: "acme",
        repo: "widgets",
        chore: null,
        since: new Date().toISOString(),
        attempt: 1,
        signal: "approval",
        step: null,
        deadline: new Date(Date.now() + 60 * 60_000).toISOString(),
        pullRequest: null,
        requestedBy: "alice",
        approval: { count: 1 },
      });
      throw new Error("job stalled more than allowable limit");
    });
    const queues = { process: q.queue("process"), execute: q.queue("execute") };
    await q.handle("cleanup", outcomeReader(queues, ledger, new RunOutcomes(q.redis, q.prefix), { runs: parked }));
    const settled = q.settled("cleanup", data.runId);
    await q.flows.add(flowNode("cleanup", data, [flowNode("execute", data, [flowNode("process", data)], { attempts: 1, continueParentOnFailure: true })]));
    const run = await settled;
    if (run.state !== "completed") throw run.error;
    expect((run.value as ExecuteResult).execution.status).toBe("failed");

    expect(await parked.read(data.runId)).toBeNull();
    expect(await parked.list()).not.toContain(data.runId);
    expect(await parked.decide(data.runId, { kind: "approve", by: "bob", via: "api", at: new Date().toISOString(), signal: "approval" })).toMatchObject({
      ok: false,
      refusal: "not_parked",
    });
  });
});
