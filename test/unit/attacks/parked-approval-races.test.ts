import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QueueEvents, type Job } from "bullmq";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ExecuteSummary, ProcessResult, RunJobData } from "../../../src/pipeline/job-data.js";
import { executeJobId } from "../../../src/pipeline/run-id.js";
import { decideRun } from "../../../src/pipeline/decide-run.js";
import { runKey } from "../../../src/stores/run-key.js";
import type { ScriptDescription } from "../../../src/sdk/protocol.js";
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

// Attacks on a run waiting for approval, on the real execute step, queues and Redis.
//
// A run waits for approval for at most its `approval.timeout`. The worker times it out when it
// next looks (at the deadline): if no worker looks then (all stopped, or busy for a while), an
// approval given after the deadline must not start it: past the deadline it is not approved.
//
// Two people at once: one approves a run that waits for approval, another cancels it before
// the worker picks it up. The run ends cancelled; its parked record must go with it, or
// retention (which never removes a run whose hash is `parked`) keeps it forever, and it is
// still listed among the parked runs.
let q: StepQueues;
let cwd: string;
beforeAll(async () => {
  q = await startStepQueues();
});
afterAll(async () => {
  await q?.close();
});

let parked: ParkedRuns;
let cancellations: Cancellations;
let bundles: BundleStore;
let events: QueueEvents;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), "parked-attack-"));
  const ledger = new ExecutionLedger(q.redis, q.prefix);
  bundles = new BundleStore(q.redis, q.prefix);
  parked = new ParkedRuns(q.redis, q.prefix);
  cancellations = new Cancellations(q.redis, q.prefix, { executeQueue: q.queue("execute") });
  events = new QueueEvents("execute", { connection: q.connection, prefix: q.prefix });
  await events.waitUntilReady();
  const step = executeStep({
    runner: { scriptCwd: cwd, scriptEnv: [], scriptEnvValues: [], timeoutMs: 20_000, outputLimit: 64 * 1024, workflowStateLimit: 1024 * 1024 },
    appSecrets: [],
    ledger,
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
  await q.handle("process", async () => processed);
  await q.handle("execute", (job: Job<RunJobData>, token?: string) => step(job, token));
});
afterEach(async () => {
  await events.close();
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
  approval: { count: 1, timeoutMs: 60 * 60_000 },
};
const processed: ProcessResult = approvedByBob(
  { number: 7, url: "https://github.example/acme/widgets/pull/7", author: "alice", title: "Fix" },
  { description },
);
const COUNTING = `import { appendFileSync } from "node:fs";\nappendFileSync("runs.txt", "ran\\n");\n`;
const runsOf = async () => (await readFile(join(cwd, "runs.txt"), "utf8").catch(() => "")).split("\n").filter(Boolean).length;

describe("attack: an approval given after the approval deadline, before any worker looked", () => {
  it("is refused as too late and does not start the run: it is cancelled as not approved in time", async () => {
    const data = runData(plainTarget(`scripts/approve-${Date.now()}.ts`));
    await bundles.save(data.runId, COUNTING);
    const settled = q.settled("execute", executeJobId(data.runId));
    const delayed = new Promise<void>((resolve) => events.on("delayed", ({ jobId }) => jobId === executeJobId(data.runId) && resolve()));
    await q.flows.add(flowNode("execute", data, [flowNode("process", data)], { attempts: 1 }));
    await delayed;

    // The hour went by with no worker looking (its record, as it would then read).
    const waiting = (await parked.read(data.runId))!;
    const past = { ...waiting, since: new Date(Date.now() - 2 * 60 * 60_000).toISOString(), deadline: new Date(Date.now() - 60 * 60_000).toISOString() };
    await q.redis.hset(runKey(q.prefix, data.runId), "parked", JSON.stringify(past));
    // Refused as too late, and nothing is woken: the worker takes the timeout when it looks (here, at once).
    const answer = await decideRun({ parked, execute: q.queue("execute") }, data.runId, { kind: "approve" }, { by: "bob", via: "api" });
    expect(answer).toMatchObject({ ok: false, status: 409, refusal: "expired" });
    expect(await parked.read(data.runId)).toMatchObject({ decision: null });
    await (await q.queue("execute").getJob(executeJobId(data.runId)))!.promote();
    const run = await settled;
    if (run.state !== "completed") throw run.error;
    expect(await runsOf()).toBe(0);
    expect(run.value as ExecuteSummary).toMatchObject({ status: "cancelled" });
  });
});

describe("attack: a run approved and cancelled at the same time", () => {
  it("ends cancelled, nothing ran, and it is no longer parked (retention may remove it, it is not listed as parked)", async () => {
    const data = runData(plainTarget(`scripts/approve-${Date.now()}.ts`));
    await bundles.save(data.runId, COUNTING);
    const settled = q.settled("execute", executeJobId(data.runId));
    const delayed = new Promise<void>((resolve) => events.on("delayed", ({ jobId }) => jobId === executeJobId(data.runId) && resolve()));
    await q.flows.add(flowNode("execute", data, [flowNode("process", data)], { attempts: 1 }));
    await delayed;

    // Bob's approval is taken (its wake not yet sent); Frank's cancel comes in and wakes the run.
    expect(await parked.decide(data.runId, { kind: "approve", by: "bob", via: "page", at: new Date().toISOString(), signal: "approval" })).toMatchObject({
      ok: true,
      moves: true,
    });
    expect(await cancellations.request(data.runId, "frank")).toBe("waiting");
    const run = await settled;
    if (run.state !== "completed") throw run.error;
    expect(run.value as ExecuteSummary).toMatchObject({ status: "cancelled" });
    expect(await runsOf()).toBe(0);

    expect(await parked.read(data.runId)).toBeNull();
    expect(await parked.list()).not.toContain(data.runId);
  });
});
