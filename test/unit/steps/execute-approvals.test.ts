import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Job, QueueEvents } from "bullmq";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ExecuteSummary, ProcessResult, RunJobData } from "../../../src/pipeline/job-data.js";
import { decideRun } from "../../../src/pipeline/decide-run.js";
import { readLiveState } from "../../../src/pipeline/live-state.js";
import { executeJobId } from "../../../src/pipeline/run-id.js";
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
import { approvedByBob, flowNode, plainTarget, runData, startStepQueues, type Settled, type StepQueues } from "./step-fixtures.js";

let q: StepQueues;
let cwd: string;
beforeAll(async () => {
  q = await startStepQueues();
});
afterAll(async () => {
  await q?.close();
});

let ledger: ExecutionLedger;
let bundles: BundleStore;
let outcomes: RunOutcomes;
let parked: ParkedRuns;
let cancellations: Cancellations;
let events: QueueEvents;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), "execute-approvals-"));
  ledger = new ExecutionLedger(q.redis, q.prefix);
  bundles = new BundleStore(q.redis, q.prefix);
  outcomes = new RunOutcomes(q.redis, q.prefix);
  parked = new ParkedRuns(q.redis, q.prefix);
  // The web's side: its requests wake a run that waits in `delayed`.
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
    keep: outcomeStore({ ledger, outcomes, recordRetry: async () => {} }),
    roomToRecord: async () => {},
    retryRefusal: async () => null,
    parked: {
      runs: parked,
      segments: new RunSegments(q.redis, q.prefix),
      uncount: async (job) => void (await q.redis.hincrby(q.queue("execute").toKey(job.id!), "atm", -1)),
    },
  });
  await q.handle("process", async (job: Job<RunJobData>) => processedFor(job.data.runId));
  await q.handle("execute", (job: Job<RunJobData>, token?: string) => step(job, token));
});
afterEach(async () => {
  await events.close();
  await q.reset();
  await cancellations.close();
  await rm(cwd, { recursive: true, force: true });
});

const PULL_REQUEST = { number: 7, url: "https://github.example/acme/widgets/pull/7", author: "alice", title: "Fix" };
const description = (approval: ScriptDescription["approval"]): ScriptDescription => ({
  description: null,
  inputs: {},
  concurrency: "self",
  timeoutMs: null,
  env: null,
  approval,
});
const approvals = new Map<string, ScriptDescription["approval"]>();
const processedFor = (runId: string): ProcessResult => approvedByBob(PULL_REQUEST, { description: description(approvals.get(runId) ?? null) });
const COUNTING = `import { appendFileSync } from "node:fs";\nappendFileSync("runs.txt", "ran\\n");\n`;
const runsOf = async () => (await readFile(join(cwd, "runs.txt"), "utf8").catch(() => "")).split("\n").filter(Boolean).length;

/** Resolves the next time the run's execute job goes back to `delayed`. */
const nextDelay = (runId: string) =>
  new Promise<void>((resolve) => {
    const listener = ({ jobId }: { jobId: string }) => {
      if (jobId !== executeJobId(runId)) return;
      events.off("delayed", listener);
      resolve();
    };
    events.on("delayed", listener);
  });

/** Queues a run of the counting script asking for `approval`; resolves once it parked, with its end to await. */
async function parkedRun(path: string, approval: NonNullable<ScriptDescription["approval"]>) {
  const data = runData(plainTarget(path));
  approvals.set(data.runId, approval);
  await bundles.save(data.runId, COUNTING);
  const settled = q.settled("execute", executeJobId(data.runId));
  const delayed = nextDelay(data.runId);
  await q.flows.add(flowNode("execute", data, [flowNode("process", data)], { attempts: 1 }));
  await delayed;
  return { runId: data.runId, settled };
}

const summaryOf = (run: Settled) => {
  if (run.state !== "completed") throw run.error;
  return run.value as ExecuteSummary;
};
const deps = () => ({ parked, execute: q.queue("execute") });

describe("approvals at run time", () => {
  it("waits before anything runs, refuses the person who asked, counts other people, then runs once with who approved on record", async () => {
    const { runId, settled } = await parkedRun("scripts/approve-me.ts", { count: 2, timeoutMs: 60_000 });
    expect(await runsOf()).toBe(0);
    expect(await parked.read(runId)).toMatchObject({ kind: "waiting", signal: "approval", step: null, requestedBy: "alice", approval: { count: 2 } });
    const job = await Job.fromId(q.queue("execute"), executeJobId(runId));
    expect(readLiveState(job!.progress).waiting).toMatch(/^waits for 2 approvals \(0 given; asked by alice\) until /);

    // The pull request's author asked for it (it was merged): theirs does not count.
    expect(await decideRun(deps(), runId, { kind: "approve" }, { by: "Alice", via: "api" })).toMatchObject({ ok: false, status: 403, refusal: "own_request" });
    expect(await decideRun(deps(), runId, { kind: "approve" }, { by: "bob", via: "page" })).toMatchObject({ ok: true, moves: false });
    expect(await decideRun(deps(), runId, { kind: "approve" }, { by: "bob", via: "comment" })).toMatchObject({ ok: false, refusal: "already_approved" });
    expect(await runsOf()).toBe(0);
    expect(await decideRun(deps(), runId, { kind: "approve" }, { by: "carol", via: "api" })).toMatchObject({ ok: true, moves: true });

    expect(summaryOf(await settled)).toMatchObject({ attempt: 1, status: "succeeded" });
    expect(await runsOf()).toBe(1);
    expect(await parked.read(runId)).toBeNull();
    const outcome = await outcomes.load(runId, 1);
    expect(outcome?.execution.decisions?.map(({ kind, by, via }) => [kind, by, via])).toEqual([
      ["approve", "bob", "page"],
      ["approve", "carol", "api"],
    ]);
  });

  it("is cancelled by a rejection, and nothing of it runs", async () => {
    const { runId, settled } = await parkedRun("scripts/reject-me.ts", { count: 1, timeoutMs: 60_000 });
    expect(await decideRun(deps(), runId, { kind: "reject" }, { by: "dave", via: "page" })).toMatchObject({ ok: true, moves: true });
    // Decided once: a late approval changes nothing.
    expect(await decideRun(deps(), runId, { kind: "approve" }, { by: "erin", via: "api" })).toMatchObject({ ok: false, status: 409, refusal: "decided" });
    expect(summaryOf(await settled)).toMatchObject({ status: "cancelled", message: "rejected by dave; nothing of it ran" });
    expect(await runsOf()).toBe(0);
    expect((await ledger.read(runId)).resultAttempt).toBe(1);
    expect((await outcomes.load(runId, 1))?.execution.decisions).toEqual([expect.objectContaining({ kind: "reject", by: "dave" })]);
  });

  it("is cancelled when nobody approves it in time", async () => {
    const { runId, settled } = await parkedRun("scripts/too-slow.ts", { count: 1, timeoutMs: 1_000 });
    expect(summaryOf(await settled)).toMatchObject({ status: "cancelled", message: "not approved within 1s; nothing of it ran" });
    expect(await runsOf()).toBe(0);
    expect((await outcomes.load(runId, 1))?.execution.decisions).toEqual([
      expect.objectContaining({ kind: "timeout", by: "timeout", via: "timer", signal: "approval" }),
    ]);
    // Too late now: the run is over.
    expect(await decideRun(deps(), runId, { kind: "approve" }, { by: "bob", via: "api" })).toMatchObject({ ok: false, refusal: "not_parked" });
  });

  it("is woken by a cancel request and cancelled before it started", async () => {
    const { runId, settled } = await parkedRun("scripts/cancel-me.ts", { count: 1, timeoutMs: 60 * 60_000 });
    expect(await cancellations.request(runId, "frank")).toBe("waiting");
    expect(summaryOf(await settled)).toMatchObject({ status: "cancelled", message: "cancelled by frank before it started" });
    expect(await runsOf()).toBe(0);
    expect(await cancellations.cancelledBy(runId)).toBeNull();
  });

  it("delays again quietly when woken without a decision", async () => {
    const { runId, settled } = await parkedRun("scripts/woken.ts", { count: 1, timeoutMs: 60 * 60_000 });
    const job = await Job.fromId(q.queue("execute"), executeJobId(runId));
    const again = nextDelay(runId);
    await job!.promote();
    await again;
    expect(await runsOf()).toBe(0);
    expect(await job!.getState()).toBe("delayed");
    expect(await parked.read(runId)).toMatchObject({ decision: null });
    // Only one line for the wait in the job log, however often it looks.
    const { logs } = await q.queue("execute").getJobLogs(executeJobId(runId));
    expect(logs.filter((line) => line.startsWith("waiting: waits for 1 approval (0 given"))).toHaveLength(1);
    await decideRun(deps(), runId, { kind: "approve" }, { by: "bob", via: "api" });
    expect(summaryOf(await settled)).toMatchObject({ status: "succeeded" });
  });
});
