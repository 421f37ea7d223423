import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Job } from "bullmq";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readScriptDefinition } from "../../../src/definitions/read-definition.js";
import { wakeRun } from "../../../src/pipeline/decide-run.js";
import type { RunJobData } from "../../../src/pipeline/job-data.js";
import { pauseRun, type PauseAnswer } from "../../../src/pipeline/pause-run.js";
import { executeJobId } from "../../../src/pipeline/run-id.js";
import type { IterationReport } from "../../../src/run-types.js";
import { iterationSections } from "../../../src/runlog/iteration-section.js";
import { bundleScript } from "../../../src/runner/bundle-script.js";
import { executeStep } from "../../../src/steps/execute-step.js";
import { outcomeStore } from "../../../src/steps/store-outcome.js";
import { BundleStore } from "../../../src/stores/bundle-store.js";
import { Cancellations } from "../../../src/stores/cancellations.js";
import { ConcurrencyLock } from "../../../src/stores/concurrency-lock.js";
import { ExecutionLedger, type Checkpoint } from "../../../src/stores/execution-ledger.js";
import { ParkedRuns, type ParkInit, type ParkedRun } from "../../../src/stores/parked-runs.js";
import { RunOutcomes } from "../../../src/stores/run-outcomes.js";
import { RunSegments } from "../../../src/stores/run-segments.js";
import { approvedByBob, flowNode, plainTarget, runData, startStepQueues, type Settled, type StepQueues } from "../steps/step-fixtures.js";

// Ten items in batches of two: five checkpoints, the fifth the last.
const SOURCE = `
import { defineScript } from "chorebot";
export default defineScript({
  batchSize: 2,
  async *collection({ cursor }) {
    for (let id = (cursor ?? 0) + 1; id <= 10; id++) yield { item: id, cursor: id };
  },
  process() {},
});
`;

let q: StepQueues;
let cwd: string;
let ledger: ExecutionLedger;
let bundles: BundleStore;
let outcomes: RunOutcomes;
let cancellations: Cancellations;
beforeAll(async () => {
  q = await startStepQueues();
});
afterAll(async () => {
  await q?.close();
});
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), "iteration-pause-ends-"));
  ledger = new ExecutionLedger(q.redis, q.prefix);
  bundles = new BundleStore(q.redis, q.prefix);
  outcomes = new RunOutcomes(q.redis, q.prefix);
  cancellations = new Cancellations(q.redis, q.prefix, { executeQueue: q.queue("execute") });
});
afterEach(async () => {
  await q.reset();
  await cancellations.close();
  await rm(cwd, { recursive: true, force: true });
});

/** Parked runs that say each time a run is parked. */
class WatchedParkedRuns extends ParkedRuns {
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

/** Starts the execute worker on `parked` and `ledger`, queues the iteration's run, and returns what the tests need of it. */
async function startIteration(parked: ParkedRuns, o: { before?: (runId: string) => Promise<void> } = {}) {
  const reading = readScriptDefinition(SOURCE, "scripts/backfill.ts");
  expect(reading.problems).toEqual([]);
  const bundled = await bundleScript({ entry: "scripts/backfill.ts", readFile: async (path) => (path === "scripts/backfill.ts" ? SOURCE : null) });
  if (!bundled.ok) throw new Error(bundled.message);
  const step = executeStep({
    runner: { scriptCwd: cwd, scriptEnv: [], scriptEnvValues: [], timeoutMs: 60_000, outputLimit: 64 * 1024, workflowStateLimit: 1024 * 1024 },
    appSecrets: [],
    ledger,
    bundles,
    locks: new ConcurrencyLock(q.redis, q.prefix, 1_000),
    shutdown: new AbortController().signal,
    cancellations,
    keep: outcomeStore({ ledger, outcomes, recordRetry: async () => {} }),
    roomToRecord: async () => {},
    retryRefusal: async () => null,
    // Long: only a decision's wake (as decideRun's) makes the worker look at a parked run again.
    parked: { runs: parked, segments: new RunSegments(q.redis, q.prefix), uncount: async () => {}, recheckMs: 60_000 },
  });
  const data = runData(plainTarget("scripts/backfill.ts"));
  const processed = approvedByBob(
    { number: 7, url: "https://github.example/acme/widgets/pull/7", author: "alice", title: "Fix" },
    { description: reading.definition },
  );
  await q.handle("process", async () => processed);
  await bundles.save(data.runId, bundled.code);
  const settled = q.settled("execute", executeJobId(data.runId));
  await q.flows.add(flowNode("execute", data, [flowNode("process", data)], { attempts: 1 }));
  // Queued, no execute worker yet: what `before` asks is asked of a run waiting for one.
  await o.before?.(data.runId);
  await q.handle("execute", (job: Job<RunJobData>, token?: string) => step(job, token));
  const deps = { parked, execute: q.queue("execute") };
  return { runId: data.runId, settled, deps, logs: async () => (await q.queue("execute").getJobLogs(executeJobId(data.runId))).logs };
}

const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<"still waiting">((resolve) => setTimeout(() => resolve("still waiting"), ms))]);

describe("a pause asked of a paused iteration whose Resume is decided and not picked up yet", () => {
  it("is taken: the resumed run parks paused again before it goes on, and the next Resume finishes it, every item once", async () => {
    const parked = new WatchedParkedRuns(q.redis, q.prefix);
    const firstPark = parked.nextPark();
    // Paused while it is queued: parked before it starts.
    const run = await startIteration(parked, {
      before: async (runId) => {
        expect(await parked.requestPause(runId, { kind: "pause", by: "fred", via: "api", at: new Date().toISOString() })).toMatchObject({ ok: true });
      },
    });
    expect((await within(firstPark, 5_000)) as ParkedRun).toMatchObject({ kind: "paused" });

    // A Resume is decided; before any worker looks, a pause is asked.
    expect((await parked.decide(run.runId, { kind: "resume", by: "bob", via: "page", at: new Date().toISOString() })).ok).toBe(true);
    const asked = await pauseRun(run.deps, run.runId, { by: "alice", via: "api" });
    expect(asked).toMatchObject({ ok: true, request: { by: "alice" } });
    const secondPark = parked.nextPark();
    await wakeRun(q.queue("execute"), run.runId);
    expect((await within(secondPark, 5_000)) as ParkedRun).toMatchObject({ kind: "paused", decision: null });
    expect(await parked.pauseRequest(run.runId)).toBeNull();
    expect(await run.logs()).toEqual(
      expect.arrayContaining([
        "attempt 1: resume by bob (page) at " + (await parked.decisions(run.runId))[1]!.at,
        "attempt 1: paused by alice before it went on",
      ]),
    );
    // Nothing of it ran: the ledger has no checkpoint.
    expect((await ledger.read(run.runId)).iteration).toBeNull();

    expect((await parked.decide(run.runId, { kind: "resume", by: "carol", via: "page", at: new Date().toISOString() })).ok).toBe(true);
    await wakeRun(q.queue("execute"), run.runId);
    const settled = await within(run.settled, 10_000);
    expect(settled).not.toBe("still waiting");
    expect((settled as Settled).state).toBe("completed");
    const outcome = await outcomes.load(run.runId, 1);
    expect(outcome?.execution).toMatchObject({ status: "succeeded" });
    expect(outcome?.execution.report?.iteration).toMatchObject({ finished: true, checkpoint: { done: 10 } });
    expect(outcome?.execution.decisions?.map((d) => `${d.kind}:${d.by}`)).toEqual(["pause:fred", "resume:bob", "pause:alice", "resume:carol"]);
    expect(await parked.read(run.runId)).toBeNull();
  });
});

/** A ledger that runs `onLast` once the last batch's checkpoint is saved, before the worker looks for a pause. */
class LastCheckpointHook extends ExecutionLedger {
  onLast: (runId: string) => Promise<void> = async () => {};
  override async saveCheckpoint(runId: string, attempt: number, checkpoint: Checkpoint, report: IterationReport): Promise<void> {
    await super.saveCheckpoint(runId, attempt, checkpoint, report);
    if (checkpoint.done === 10) await this.onLast(runId);
  }
}

/** Parked runs that, once the worker has answered the run's pause (the run is over), let `then` ask another. */
class AfterAnswer extends ParkedRuns {
  then: ((runId: string) => Promise<void>) | null = null;
  override async clearPauseRequest(runId: string): Promise<void> {
    await super.clearPauseRequest(runId);
    const then = this.then;
    this.then = null;
    await then?.(runId);
  }
}

describe("a pause that races the end of an iteration", () => {
  it("asked during its last batch comes too late: it finishes, the log says so, and no pause is left pending", async () => {
    const hooked = new LastCheckpointHook(q.redis, q.prefix);
    ledger = hooked;
    const parked = new ParkedRuns(q.redis, q.prefix);
    const run = await startIteration(parked);
    let asked: PauseAnswer | null = null;
    hooked.onLast = async (runId) => {
      asked = await pauseRun(run.deps, runId, { by: "alice", via: "api" });
    };
    const settled = await within(run.settled, 10_000);
    expect((settled as Settled).state).toBe("completed");
    expect(asked).toMatchObject({ ok: true });
    const outcome = await outcomes.load(run.runId, 1);
    expect(outcome?.execution).toMatchObject({ status: "succeeded" });
    // The script says so (it was told to pause with its last batch)…
    expect(outcome?.execution.report?.logs.map((log) => log.message)).toEqual(["the pause came too late: batch 5 was the last, the iteration is finished"]);
    // …and the record has the pause, so its log's history says it never paused.
    expect(outcome?.execution.decisions?.map((d) => `${d.kind}:${d.by}`)).toEqual(["pause:alice"]);
    const history = iterationSections(outcome!.execution.report!.iteration, { status: "succeeded", decisions: outcome!.execution.decisions }).join("");
    expect(history).toContain("the run finished during its last batch, so it never paused.");
    expect(await parked.pauseRequest(run.runId)).toBeNull();
    expect(await pauseRun(run.deps, run.runId, { by: "bob", via: "cli" })).toMatchObject({ refusal: "finished" });
  });

  it("asked once its worker recorded the result and answered the pauses, its job still active, is refused as finished: nothing stays", async () => {
    const parked = new AfterAnswer(q.redis, q.prefix);
    let asked: PauseAnswer | null = null;
    const run = await startIteration(parked);
    parked.then = async (runId) => {
      // Still active: its worker has not returned yet.
      expect(await q.queue("execute").getJobState(executeJobId(runId))).toBe("active");
      asked = await pauseRun(run.deps, runId, { by: "alice", via: "api" });
    };
    const settled = await within(run.settled, 10_000);
    expect((settled as Settled).state).toBe("completed");
    expect(asked).toMatchObject({ ok: false, status: 409, refusal: "finished" });
    expect(await parked.pauseRequest(run.runId)).toBeNull();
    expect(await parked.decisions(run.runId)).toEqual([]);
  });

  // Paused while queued, then cancelled before a worker took it: it ends cancelled before the
  // attempt's clean-up that answers a pause, which left the request in the finished run's hash.
  it("asked while queued, then a cancel: it ends cancelled, and no pause is left pending", async () => {
    const parked = new ParkedRuns(q.redis, q.prefix);
    const run = await startIteration(parked, {
      before: async (runId) => {
        expect(await parked.requestPause(runId, { kind: "pause", by: "alice", via: "api", at: new Date().toISOString() })).toMatchObject({ ok: true });
        expect(await cancellations.request(runId, "erin")).not.toBe("unknown");
      },
    });
    const settled = await within(run.settled, 10_000);
    expect((settled as Settled).state).toBe("completed");
    const outcome = await outcomes.load(run.runId, 1);
    expect(outcome?.execution).toMatchObject({ status: "cancelled" });
    expect(outcome?.execution.decisions?.map((d) => `${d.kind}:${d.by}`)).toEqual(["pause:alice"]);
    expect(await parked.pauseRequest(run.runId)).toBeNull();
  });
});
