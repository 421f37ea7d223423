import { readFile, mkdtemp, rm } from "node:fs/promises";
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
import { ParkedRuns } from "../../../src/stores/parked-runs.js";
import { RunOutcomes } from "../../../src/stores/run-outcomes.js";
import { RunSegments } from "../../../src/stores/run-segments.js";
import { approvedByBob, flowNode, plainTarget, runData, startStepQueues, type StepQueues } from "../steps/step-fixtures.js";

// A worker shutting down (a deploy) stops its scripts after the grace period. An iteration
// stopped that way was recorded `cancelled`, the run over: a long backfill could not survive a
// deploy, and nobody could Resume it from its checkpoint. It is bad luck on the worker's side,
// as a lost worker is: interrupted, parked for a person's Resume.
const SOURCE = `
import { appendFileSync } from "node:fs";
import { defineScript } from "chorebot";
export default defineScript({
  batchSize: 2,
  async *collection({ cursor }) {
    for (let id = (cursor ?? 0) + 1; id <= 1000; id++) yield { item: id, cursor: id };
  },
  async process(item) {
    appendFileSync("items.txt", item + "\\n");
    await new Promise((resolve) => setTimeout(resolve, 20));
  },
});
`;

let q: StepQueues;
let cwd: string;
let ledger: ExecutionLedger;
let bundles: BundleStore;
let outcomes: RunOutcomes;
let parked: ParkedRuns;
let cancellations: Cancellations;
let shutdown: AbortController;
beforeAll(async () => {
  q = await startStepQueues();
});
afterAll(async () => {
  await q?.close();
});
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), "iteration-shutdown-"));
  ledger = new ExecutionLedger(q.redis, q.prefix);
  bundles = new BundleStore(q.redis, q.prefix);
  outcomes = new RunOutcomes(q.redis, q.prefix);
  parked = new ParkedRuns(q.redis, q.prefix);
  cancellations = new Cancellations(q.redis, q.prefix, { executeQueue: q.queue("execute") });
  shutdown = new AbortController();
});
afterEach(async () => {
  await q.reset();
  await cancellations.close();
  await rm(cwd, { recursive: true, force: true });
});

describe("an iteration stopped by its worker's shutdown", () => {
  it("is interrupted and parked for a Resume from its checkpoint, not cancelled", async () => {
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
      shutdown: shutdown.signal,
      cancellations,
      keep: outcomeStore({ ledger, outcomes, recordRetry: async () => {} }),
      roomToRecord: async () => {},
      retryRefusal: async () => null,
      parked: { runs: parked, segments: new RunSegments(q.redis, q.prefix), uncount: async () => {} },
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
    const settled = q.settled("execute", executeJobId(data.runId));
    await q.flows.add(flowNode("execute", data, [flowNode("process", data)], { attempts: 1 }));

    // Two batches checkpointed, then the worker's grace period is over.
    for (let i = 0; i < 500 && ((await ledger.read(data.runId)).iteration?.checkpoint.seq ?? 0) < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await ledger.read(data.runId)).iteration?.checkpoint.seq).toBeGreaterThanOrEqual(2);
    shutdown.abort();
    const run = await settled;

    const outcome = await outcomes.load(data.runId, 1);
    expect(outcome?.execution.status).toBe("interrupted");
    expect(outcome?.execution.message).toContain("Resume");
    expect(run.state).toBe("failed");
    expect(await parked.read(data.runId)).toMatchObject({ kind: "interrupted", step: null, attempt: 1 });
    const items = (await readFile(join(cwd, "items.txt"), "utf8")).split("\n").filter(Boolean).length;
    expect(items).toBeLessThan(1000);
  });
});
