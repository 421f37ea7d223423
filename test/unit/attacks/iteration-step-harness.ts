import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QueueEvents, type Job } from "bullmq";
import { afterAll, afterEach, beforeAll, beforeEach, expect, onTestFinished } from "vitest";
import { readScriptDefinition } from "../../../src/definitions/read-definition.js";
import type { RunJobData } from "../../../src/pipeline/job-data.js";
import { executeJobId } from "../../../src/pipeline/run-id.js";
import { bundleScript } from "../../../src/runner/bundle-script.js";
import { executeStep } from "../../../src/steps/execute-step.js";
import { outcomeStore } from "../../../src/steps/store-outcome.js";
import { BundleStore } from "../../../src/stores/bundle-store.js";
import { Cancellations } from "../../../src/stores/cancellations.js";
import { ConcurrencyLock } from "../../../src/stores/concurrency-lock.js";
import { ExecutionLedger } from "../../../src/stores/execution-ledger.js";
import { ParkedRuns, type ParkInit, type ParkedRun } from "../../../src/stores/parked-runs.js";
import { RunOutcomes } from "../../../src/stores/run-outcomes.js";
import { RunSegments } from "../../../src/stores/run-segments.js";
import { approvedByBob, flowNode, plainTarget, runData, startStepQueues, type StepQueues } from "../steps/step-fixtures.js";

// An iteration run through the real execute step, BullMQ and Redis, for the attacks on pausing,
// resuming and cancelling it.

/** Ten items in batches of two: five checkpoints, the fifth the last. Each item prints `item <id>`. */
export const TEN_ITEMS = `
import { defineScript } from "chorebot";
export default defineScript({
  batchSize: 2,
  async *collection({ cursor }) {
    for (let id = (cursor ?? 0) + 1; id <= 10; id++) yield { item: id, cursor: id };
  },
  process(id) {
    console.log("item " + id);
  },
});
`;

/** What every test of the file shares; its fields are fresh for each test (read them inside one). */
export interface IterationStepHarness {
  q: StepQueues;
  cwd: string;
  ledger: ExecutionLedger;
  bundles: BundleStore;
  outcomes: RunOutcomes;
  cancellations: Cancellations;
}

/** Registers the file's hooks: one Redis and its queues for the file, new stores and a new folder for each test. */
export function iterationStepHarness(): IterationStepHarness {
  const h = {} as IterationStepHarness;
  beforeAll(async () => {
    h.q = await startStepQueues();
  });
  afterAll(async () => {
    await h.q?.close();
  });
  beforeEach(async () => {
    h.cwd = await mkdtemp(join(tmpdir(), "iteration-step-"));
    h.ledger = new ExecutionLedger(h.q.redis, h.q.prefix);
    h.bundles = new BundleStore(h.q.redis, h.q.prefix);
    h.outcomes = new RunOutcomes(h.q.redis, h.q.prefix);
    h.cancellations = new Cancellations(h.q.redis, h.q.prefix, { executeQueue: h.q.queue("execute") });
  });
  afterEach(async () => {
    await h.q.reset();
    await h.cancellations.close();
    await rm(h.cwd, { recursive: true, force: true });
  });
  return h;
}

/** Parked runs that say each time a run is parked. */
export class WatchedParkedRuns extends ParkedRuns {
  private waiters: ((parked: ParkedRun) => void)[] = [];
  /** Resolves at the next park. */
  nextPark(): Promise<ParkedRun> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  override async park(init: ParkInit): Promise<ParkedRun> {
    const parked = await super.park(init);
    for (const resolve of this.waiters.splice(0)) resolve(parked);
    return parked;
  }
}

/**
 * Queues TEN_ITEMS's run and starts the execute worker on `parked` and `ledger` (the harness's
 * unless given; its results are kept in the harness's). `before` runs while the run is queued
 * and no worker has it yet. `recheckMs`: how often a parked run looks at its record again
 * (long by default: only a decision's wake, as decideRun's, makes it look sooner).
 */
export async function startIteration(
  h: IterationStepHarness,
  o: { parked: ParkedRuns; ledger?: ExecutionLedger; recheckMs?: number; before?: (runId: string) => Promise<void> },
) {
  const reading = readScriptDefinition(TEN_ITEMS, "scripts/backfill.ts");
  expect(reading.problems).toEqual([]);
  const bundled = await bundleScript({ entry: "scripts/backfill.ts", readFile: async (path) => (path === "scripts/backfill.ts" ? TEN_ITEMS : null) });
  if (!bundled.ok) throw new Error(bundled.message);
  const { q } = h;
  const step = executeStep({
    runner: { scriptCwd: h.cwd, scriptEnv: [], scriptEnvValues: [], timeoutMs: 60_000, outputLimit: 64 * 1024, workflowStateLimit: 1024 * 1024 },
    appSecrets: [],
    ledger: o.ledger ?? h.ledger,
    bundles: h.bundles,
    locks: new ConcurrencyLock(q.redis, q.prefix, 1_000),
    shutdown: new AbortController().signal,
    cancellations: h.cancellations,
    keep: outcomeStore({ ledger: h.ledger, outcomes: h.outcomes, recordRetry: async () => {} }),
    roomToRecord: async () => {},
    retryRefusal: async () => null,
    parked: { runs: o.parked, segments: new RunSegments(q.redis, q.prefix), uncount: async () => {}, recheckMs: o.recheckMs ?? 60_000 },
  });
  const data = runData(plainTarget("scripts/backfill.ts"));
  const processed = approvedByBob(
    { number: 7, url: "https://github.example/acme/widgets/pull/7", author: "alice", title: "Fix" },
    { description: reading.definition },
  );
  await q.handle("process", async () => processed);
  await h.bundles.save(data.runId, bundled.code);
  const settled = q.settled("execute", executeJobId(data.runId));
  await q.flows.add(flowNode("execute", data, [flowNode("process", data)], { attempts: 1 }));
  await o.before?.(data.runId);
  await q.handle("execute", (job: Job<RunJobData>, token?: string) => step(job, token));
  const deps = { parked: o.parked, execute: q.queue("execute") };
  return { runId: data.runId, settled, deps, logs: async () => (await q.queue("execute").getJobLogs(executeJobId(data.runId))).logs };
}

/** `promise`, or "still waiting" once `ms` have passed: for what must happen soon, never a sleep. */
export const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<"still waiting">((resolve) => setTimeout(() => resolve("still waiting"), ms))]);

/**
 * `delayed(runId)` resolves when the run's execute job next goes to `delayed`, as a parked
 * run's does just after its record is written: a wake (decideRun's) sent before then finds the
 * job still active and is lost, and the run looks again only at its recheck. Closed with the test.
 */
export async function executeDelays(h: IterationStepHarness) {
  const events = new QueueEvents("execute", { connection: h.q.connection, prefix: h.q.prefix });
  await events.waitUntilReady();
  onTestFinished(() => events.close());
  return {
    delayed: (runId: string) =>
      new Promise<void>((resolve) => {
        const seen = ({ jobId }: { jobId: string }) => {
          if (jobId !== executeJobId(runId)) return;
          events.off("delayed", seen);
          resolve();
        };
        events.on("delayed", seen);
      }),
  };
}
