import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Job, QueueEvents } from "bullmq";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ProcessResult, RunJobData } from "../../../src/pipeline/job-data.js";
import { decideRun } from "../../../src/pipeline/decide-run.js";
import { executeJobId } from "../../../src/pipeline/run-id.js";
import type { WorkflowReport } from "../../../src/run-types.js";
import type { ScriptDescription } from "../../../src/sdk/protocol.js";
import { executeStep } from "../../../src/steps/execute-step.js";
import { lostOutcome } from "../../../src/steps/flow-outcome.js";
import { parkInterrupted } from "../../../src/steps/park-interrupted.js";
import { outcomeStore } from "../../../src/steps/store-outcome.js";
import { BundleStore } from "../../../src/stores/bundle-store.js";
import { Cancellations } from "../../../src/stores/cancellations.js";
import { ConcurrencyLock, concurrencyLockName } from "../../../src/stores/concurrency-lock.js";
import { ExecutionLedger } from "../../../src/stores/execution-ledger.js";
import { ParkedRuns } from "../../../src/stores/parked-runs.js";
import { RunOutcomes } from "../../../src/stores/run-outcomes.js";
import { RunSegments } from "../../../src/stores/run-segments.js";
import { approvedByBob, flowNode, plainTarget, runData, startStepQueues, type StepQueues } from "../steps/step-fixtures.js";

// Attacks on a Resume of an interrupted workflow, on the real execute step, queues and Redis.
//
// A workflow was interrupted at step two; a person chose Resume. The attempt that acts on it
// clears the parked record, then fails before it records its start (its worker SIGKILLed in
// between, or Redis refusing that one write). The run must stay interrupted, waiting for a
// person: a plain retry must not run the workflow again from its first step.
//
// A workflow was interrupted at step two; a person chose Resume while another run of the same
// script held its `concurrency: self` lock. A person's decision is not a plain retry: the run
// must wait for its turn and then go on, not be recorded `refused` (which ends it: a chore
// run's inputs are dropped and its name freed by that record's cleanup, and its decision is
// spent, so Resume and Roll back are refused as already decided).
let q: StepQueues;
let cwd: string;
beforeAll(async () => {
  q = await startStepQueues();
});
afterAll(async () => {
  await q?.close();
});

let ledger: ExecutionLedger;
let parked: ParkedRuns;
let cancellations: Cancellations;
let bundles: BundleStore;
let failStart = false;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), "parked-attack-"));
  ledger = new ExecutionLedger(q.redis, q.prefix);
  bundles = new BundleStore(q.redis, q.prefix);
  parked = new ParkedRuns(q.redis, q.prefix);
  cancellations = new Cancellations(q.redis, q.prefix, { executeQueue: q.queue("execute") });
  failStart = false;
});
afterEach(async () => {
  await q.reset();
  await cancellations.close();
  await rm(cwd, { recursive: true, force: true });
});

const description: ScriptDescription = {
  description: null,
  inputs: {},
  concurrency: "self",
  timeoutMs: null,
  env: null,
  workflow: {
    steps: [
      { name: "reserve", rollback: true, timeoutMs: 60_000 },
      { name: "charge", rollback: true, timeoutMs: 60_000 },
    ],
  },
};
const processed: ProcessResult = approvedByBob(
  { number: 7, url: "https://github.example/acme/widgets/pull/7", author: "alice", title: "Fix" },
  { description },
);
// Not a workflow (it says nothing of its steps): it counts that it ran; a run from the first step must not happen.
const COUNTING = `import { appendFileSync } from "node:fs";\nappendFileSync("runs.txt", "ran\\n");\n`;
const runsOf = async () => (await readFile(join(cwd, "runs.txt"), "utf8").catch(() => "")).split("\n").filter(Boolean).length;
const reserved: WorkflowReport = {
  declared: description.workflow!.steps.map(({ name, rollback }) => ({ name, rollback })),
  entries: [
    { step: "reserve", direction: "run", outcome: "succeeded", startedAt: new Date().toISOString(), durationMs: 5, error: null, changes: [], moreChanges: 0 },
  ],
  state: {},
};

describe("attack: a Resume whose attempt dies before it records its start", () => {
  it("leaves the run interrupted: a plain retry then runs nothing", async () => {
    const data = runData(plainTarget(`scripts/flow-${Date.now()}.ts`));
    await bundles.save(data.runId, COUNTING);
    const step = executeStep({
      runner: { scriptCwd: cwd, scriptEnv: [], scriptEnvValues: [], timeoutMs: 20_000, outputLimit: 64 * 1024, workflowStateLimit: 1024 * 1024 },
      appSecrets: [],
      // Its start is the write that does not happen.
      ledger: Object.assign(Object.create(ledger) as ExecutionLedger, {
        start: async (runId: string, attempt: number, host: string) => {
          if (failStart) throw new Error("Connection is closed.");
          return ledger.start(runId, attempt, host);
        },
      }),
      bundles,
      locks: new ConcurrencyLock(q.redis, q.prefix, 1_000),
      shutdown: new AbortController().signal,
      cancellations,
      keep: outcomeStore({ ledger, outcomes: new RunOutcomes(q.redis, q.prefix), recordRetry: async () => {} }),
      roomToRecord: async () => {},
      retryRefusal: async () => null,
      parked: {
        runs: parked,
        segments: new RunSegments(q.redis, q.prefix),
        uncount: async (job) => void (await q.redis.hincrby(q.queue("execute").toKey(job.id!), "atm", -1)),
      },
    });
    let attempt1 = true;
    await q.handle("process", async () => processed);
    await q.handle("execute", async (job: Job<RunJobData>, token?: string) => {
      if (!attempt1) return step(job, token);
      attempt1 = false;
      // Attempt 1: step reserve done, its worker lost during charge.
      await ledger.start(job.data.runId, 1, "worker-that-died");
      await ledger.saveWorkflow(job.data.runId, 1, reserved, { seq: 1, state: {} });
      throw new Error("job stalled more than allowable limit");
    });
    const execute = q.queue("execute");
    const queues = { process: q.queue("process"), execute };
    // What the workers do when an execute job fails (the cleanup for the first, start-workers' failed handler for a retry).
    const recordLoss = async (reason: string) => {
      const lost = await lostOutcome(queues, ledger, data.runId, reason);
      await parkInterrupted({ runs: parked }, data, lost);
      return lost;
    };

    let settled = q.settled("execute", executeJobId(data.runId));
    await q.flows.add(flowNode("execute", data, [flowNode("process", data)], { attempts: 1 }));
    expect((await settled).state).toBe("failed");
    expect((await recordLoss("job stalled more than allowable limit")).execution.status).toBe("interrupted");
    expect(await parked.read(data.runId)).toMatchObject({ kind: "interrupted", step: "charge" });

    // Resume: the attempt acting on it fails before its start is recorded.
    failStart = true;
    settled = q.settled("execute", executeJobId(data.runId));
    expect(await decideRun({ parked, execute }, data.runId, { kind: "resume" }, { by: "bob", via: "page" })).toMatchObject({ ok: true });
    expect((await settled).state).toBe("failed");
    const second = await recordLoss("Connection is closed.");
    expect(await runsOf()).toBe(0);
    expect(second.execution.status).toBe("interrupted");
    expect(await parked.read(data.runId)).toMatchObject({ kind: "interrupted", step: "charge" });

    // The dashboard's Retry, no decision: nothing runs.
    failStart = false;
    settled = q.settled("execute", executeJobId(data.runId));
    await (await Job.fromId(execute, executeJobId(data.runId)))!.retry("failed");
    await settled;
    expect(await runsOf()).toBe(0);
  });
});

describe("attack: a Resume while another run holds the script's lock", () => {
  it("waits for its turn without being recorded, then goes on once the lock is free", async () => {
    const data = runData(plainTarget(`scripts/flow-${Date.now()}.ts`));
    await bundles.save(data.runId, COUNTING);
    const locks = new ConcurrencyLock(q.redis, q.prefix, 60_000);
    const outcomes = new RunOutcomes(q.redis, q.prefix);
    const step = executeStep({
      runner: { scriptCwd: cwd, scriptEnv: [], scriptEnvValues: [], timeoutMs: 20_000, outputLimit: 64 * 1024, workflowStateLimit: 1024 * 1024 },
      appSecrets: [],
      ledger,
      bundles,
      locks,
      shutdown: new AbortController().signal,
      cancellations,
      keep: outcomeStore({ ledger, outcomes, recordRetry: async () => {} }),
      roomToRecord: async () => {},
      retryRefusal: async () => null,
      parked: {
        runs: parked,
        segments: new RunSegments(q.redis, q.prefix),
        uncount: async (job) => void (await q.redis.hincrby(q.queue("execute").toKey(job.id!), "atm", -1)),
      },
    });
    let attempt1 = true;
    await q.handle("process", async () => processed);
    await q.handle("execute", async (job: Job<RunJobData>, token?: string) => {
      if (!attempt1) return step(job, token);
      attempt1 = false;
      // Attempt 1: step reserve done, its worker lost during charge.
      await ledger.start(job.data.runId, 1, "worker-that-died");
      await ledger.saveWorkflow(job.data.runId, 1, reserved, { seq: 1, state: {} });
      throw new Error("job stalled more than allowable limit");
    });
    const execute = q.queue("execute");
    let settled = q.settled("execute", executeJobId(data.runId));
    await q.flows.add(flowNode("execute", data, [flowNode("process", data)], { attempts: 1 }));
    expect((await settled).state).toBe("failed");
    await parkInterrupted({ runs: parked }, data, await lostOutcome({ process: q.queue("process"), execute }, ledger, data.runId, "job stalled"));
    expect(await parked.read(data.runId)).toMatchObject({ kind: "interrupted", step: "charge" });

    // Another run of the same script holds its lock.
    const key = locks.key(concurrencyLockName("self", data.target)!);
    expect(await locks.acquire(key, "other-run#1")).toBe(true);
    const events = new QueueEvents("execute", { connection: q.connection, prefix: q.prefix });
    await events.waitUntilReady();
    const delayed = new Promise<void>((resolve) => events.on("delayed", ({ jobId }) => jobId === executeJobId(data.runId) && resolve()));
    settled = q.settled("execute", executeJobId(data.runId));
    expect(await decideRun({ parked, execute }, data.runId, { kind: "resume" }, { by: "bob", via: "page" })).toMatchObject({ ok: true });
    // Refused, it would fail (recorded) instead of going back to delayed.
    expect(await Promise.race([delayed.then(() => "delayed"), settled.then((ended) => ended.state)])).toBe("delayed");
    await events.close();
    expect(await outcomes.load(data.runId, 2)).toBeNull();
    expect(await runsOf()).toBe(0);

    // The other run ends: this one goes on.
    await locks.release(key, "other-run#1");
    const run = await settled;
    expect(run.state).toBe("completed");
    expect(await runsOf()).toBe(1);
  });
});
