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
import { ExecutionLedger } from "../../../src/stores/execution-ledger.js";
import { ParkedRuns, type ParkInit, type ParkedRun } from "../../../src/stores/parked-runs.js";
import { RunOutcomes } from "../../../src/stores/run-outcomes.js";
import { RunSegments } from "../../../src/stores/run-segments.js";
import { approvedByBob, flowNode, plainTarget, runData, startStepQueues, type Settled, type StepQueues } from "../steps/step-fixtures.js";

// A cancel that comes while the worker parks a paused iteration (its script has stopped, the
// record is being written) was taken (202, "cancelling"), then wiped by the attempt's own
// clean-up: the run stayed paused, and the person who cancelled it was never answered.
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
  cwd = await mkdtemp(join(tmpdir(), "iteration-cancel-parking-"));
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

/** Parked runs whose `park` is followed at once by a person's cancel, as if it came in that moment. */
class CancelledWhileParking extends ParkedRuns {
  override async park(init: ParkInit): Promise<ParkedRun> {
    const parked = await super.park(init);
    expect(await cancellations.request(init.runId, "erin")).toBe("running");
    return parked;
  }
}

const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<"still waiting">((resolve) => setTimeout(() => resolve("still waiting"), ms))]);

describe("a cancel that comes while a paused iteration is being parked", () => {
  it("is not lost: the run ends cancelled at its next look", async () => {
    const reading = readScriptDefinition(SOURCE, "scripts/backfill.ts");
    expect(reading.problems).toEqual([]);
    const bundled = await bundleScript({ entry: "scripts/backfill.ts", readFile: async (path) => (path === "scripts/backfill.ts" ? SOURCE : null) });
    if (!bundled.ok) throw new Error(bundled.message);
    const parked = new CancelledWhileParking(q.redis, q.prefix);
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
      parked: { runs: parked, segments: new RunSegments(q.redis, q.prefix), uncount: async () => {}, recheckMs: 100 },
    });
    const data = runData(plainTarget("scripts/backfill.ts"));
    const processed = approvedByBob(
      { number: 7, url: "https://github.example/acme/widgets/pull/7", author: "alice", title: "Fix" },
      {
        description: reading.definition,
      },
    );
    await q.handle("process", async () => processed);
    await q.handle("execute", (job: Job<RunJobData>, token?: string) => step(job, token));
    await bundles.save(data.runId, bundled.code);
    // Asked to pause while it is queued: it parks before it starts, and the cancel comes as it does.
    expect(await parked.requestPause(data.runId, { kind: "pause", by: "fred", via: "api", at: new Date().toISOString() })).toMatchObject({ ok: true });
    const settled = q.settled("execute", executeJobId(data.runId));
    await q.flows.add(flowNode("execute", data, [flowNode("process", data)], { attempts: 1 }));

    const run = await within(settled, 5_000);
    expect(run).not.toBe("still waiting");
    expect((run as Settled).state).toBe("completed");
    expect((await outcomes.load(data.runId, 1))?.execution).toMatchObject({ status: "cancelled" });
    expect(await parked.read(data.runId)).toBeNull();
  });
});
