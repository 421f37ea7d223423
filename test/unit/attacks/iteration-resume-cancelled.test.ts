import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Job } from "bullmq";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readScriptDefinition } from "../../../src/definitions/read-definition.js";
import type { RunJobData } from "../../../src/pipeline/job-data.js";
import { executeJobId } from "../../../src/pipeline/run-id.js";
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
import type { ExecutionResult, IterationReport } from "../../../src/run-types.js";
import { approvedByBob, flowNode, plainTarget, runData, startStepQueues, type StepQueues } from "../steps/step-fixtures.js";

// A paused iteration that a person resumed, then another cancelled before the resumed process
// started (its job not picked up yet, or waiting for its lock or a freeze), was recorded
// "cancelled by erin before it started": false, its first process had processed items, and
// that sentence went into the committed log's front matter and the API.
const SOURCE = `
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
  cwd = await mkdtemp(join(tmpdir(), "iteration-resume-cancelled-"));
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

/** Parked runs that say when the run is parked. */
class WatchedParkedRuns extends ParkedRuns {
  #parked: ((run: ParkedRun) => void) | null = null;
  parkedOnce(): Promise<ParkedRun> {
    return new Promise((resolve) => (this.#parked = resolve));
  }
  override async park(init: ParkInit): Promise<ParkedRun> {
    const parked = await super.park(init);
    this.#parked?.(parked);
    return parked;
  }
}

/** Runs the iteration until it is parked paused after its first checkpoint; `settled` is its execute job's end. */
async function pausedAfterFirstBatch() {
  const reading = readScriptDefinition(SOURCE, "scripts/backfill.ts");
  expect(reading.problems).toEqual([]);
  const bundled = await bundleScript({ entry: "scripts/backfill.ts", readFile: async (path) => (path === "scripts/backfill.ts" ? SOURCE : null) });
  if (!bundled.ok) throw new Error(bundled.message);
  const parked = new WatchedParkedRuns(q.redis, q.prefix);
  const data = runData(plainTarget("scripts/backfill.ts"));
  // A person asks for a pause once its first batch is checkpointed: it pauses there.
  const pausing = Object.assign(Object.create(ledger) as ExecutionLedger, {
    saveCheckpoint: async (runId: string, attempt: number, checkpoint: Checkpoint, report: IterationReport) => {
      await ledger.saveCheckpoint(runId, attempt, checkpoint, report);
      if (checkpoint.seq === 1) await parked.requestPause(runId, { kind: "pause", by: "fred", via: "api", at: at() });
    },
  });
  const step = executeStep({
    runner: { scriptCwd: cwd, scriptEnv: [], scriptEnvValues: [], timeoutMs: 60_000, outputLimit: 64 * 1024, workflowStateLimit: 1024 * 1024 },
    appSecrets: [],
    ledger: pausing,
    bundles,
    locks: new ConcurrencyLock(q.redis, q.prefix, 1_000),
    shutdown: new AbortController().signal,
    cancellations,
    keep: outcomeStore({ ledger, outcomes, recordRetry: async () => {} }),
    roomToRecord: async () => {},
    retryRefusal: async () => null,
    parked: { runs: parked, segments: new RunSegments(q.redis, q.prefix), uncount: async () => {}, recheckMs: 100 },
  });
  const processed = approvedByBob(
    { number: 7, url: "https://github.example/acme/widgets/pull/7", author: "alice", title: "Fix" },
    { description: reading.definition },
  );
  await q.handle("process", async () => processed);
  await q.handle("execute", (job: Job<RunJobData>, token?: string) => step(job, token));
  await bundles.save(data.runId, bundled.code);
  const paused = parked.parkedOnce();
  const settled = q.settled("execute", executeJobId(data.runId));
  await q.flows.add(flowNode("execute", data, [flowNode("process", data)], { attempts: 1 }));
  expect(await paused).toMatchObject({ kind: "paused" });
  const done = (await ledger.read(data.runId)).iteration?.checkpoint.done ?? 0;
  expect(done).toBeGreaterThan(0);
  return { parked, data, done, settled };
}

const at = () => new Date().toISOString();

/** What the paused process did is in the record its log is written from: its output, up to where it paused, and how far it got. */
function expectWhatRanBefore(execution: ExecutionResult | undefined, done: number) {
  const printed = execution?.output.lines.map((line) => line.text) ?? [];
  expect(printed.filter((text) => text.startsWith("item "))).toEqual(Array.from({ length: done }, (_, i) => `item ${i + 1}`));
  expect(printed.at(-1)).toMatch(/^── paused by fred after \d+ items; ended there at .+, without going on ──$/);
  expect(execution?.report?.iteration).toMatchObject({ checkpoint: { done } });
  expect(Date.parse(execution!.startedAt)).toBeLessThan(Date.parse(execution!.finishedAt));
}

describe("a paused iteration resumed, then cancelled before the resumed process started", () => {
  it("is recorded cancelled, saying how many items were processed before: not 'before it started', and keeps what ran", async () => {
    const { parked, data, done, settled } = await pausedAfterFirstBatch();

    // Resume taken (its wake not come yet), then a cancel: the resumed process never starts.
    expect((await parked.decide(data.runId, { kind: "resume", by: "fred", via: "api", at: at() })).ok).toBe(true);
    await cancellations.request(data.runId, "erin");
    const run = await settled;
    expect(run.state).toBe("completed");

    const execution = (await outcomes.load(data.runId, 1))?.execution;
    expect(execution?.status).toBe("cancelled");
    expect(execution?.message).not.toMatch(/before it started/);
    expect(execution?.message).toBe(`cancelled by erin before it went on (${done} items were processed before)`);
    expectWhatRanBefore(execution, done);
    // Nothing more ran: the checkpoint stands where the pause left it.
    expect((await ledger.read(data.runId)).iteration?.checkpoint.done).toBe(done);
    expect(await parked.read(data.runId)).toBeNull();
  });
});

describe("a paused iteration cancelled", () => {
  it("keeps what its process printed and how far it got for its log", async () => {
    const { parked, data, done, settled } = await pausedAfterFirstBatch();
    expect((await parked.decide(data.runId, { kind: "cancel", by: "erin", via: "api", at: at() })).ok).toBe(true);
    const run = await settled;
    expect(run.state).toBe("completed");
    const execution = (await outcomes.load(data.runId, 1))?.execution;
    expect(execution?.status).toBe("cancelled");
    expect(execution?.message).toBe(`cancelled by erin while paused after ${done} items; nothing more was processed`);
    expectWhatRanBefore(execution, done);
  });
});
