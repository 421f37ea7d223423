import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { QueueEvents, type Job } from "bullmq";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunnerConfig } from "../../../src/config.js";
import type { ExecuteSummary, ProcessResult, RunJobData } from "../../../src/pipeline/job-data.js";
import type { ScriptTarget } from "../../../src/run-types.js";
import { executeStep, type ExecuteDeps } from "../../../src/steps/execute-step.js";
import { outcomeStore } from "../../../src/steps/store-outcome.js";
import { BundleStore } from "../../../src/stores/bundle-store.js";
import { Cancellations } from "../../../src/stores/cancellations.js";
import { ConcurrencyLock, concurrencyLockName } from "../../../src/stores/concurrency-lock.js";
import { ExecutionLedger } from "../../../src/stores/execution-ledger.js";
import { RunOutcomes } from "../../../src/stores/run-outcomes.js";
import { approvedByBob, flowNode, plainTarget, runData, startStepQueues, type Settled, type StepQueues } from "./step-fixtures.js";

const APP_SECRET = "app-s3cret-Kx71pQz";
const ENV_NAME = "CHOREBOT_STEP_TEST_ALLOWED";
const ENV_VALUE = "allowed-v4lue-Jd92nB";
const FORBIDDEN_NAME = "CHOREBOT_STEP_TEST_FORBIDDEN";
const LOCK_TTL_MS = 1_000;

let q: StepQueues;
let cwd: string;
beforeAll(async () => {
  q = await startStepQueues();
  process.env[ENV_NAME] = ENV_VALUE;
  process.env[FORBIDDEN_NAME] = "never-reaches-the-script";
});
afterAll(async () => {
  delete process.env[ENV_NAME];
  delete process.env[FORBIDDEN_NAME];
  await q?.close();
});

let ledger: ExecutionLedger;
let bundles: BundleStore;
let outcomes: RunOutcomes;
let locks: ConcurrencyLock;
let cancellations: Cancellations;
let retries: { runId: string; attempt: number }[];
let processed: Map<string, ProcessResult>;
/** The process step finishes once this resolves (a test may hold it). */
let processGate: Promise<void>;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), "execute-step-"));
  ledger = new ExecutionLedger(q.redis, q.prefix);
  bundles = new BundleStore(q.redis, q.prefix);
  outcomes = new RunOutcomes(q.redis, q.prefix);
  locks = new ConcurrencyLock(q.redis, q.prefix, LOCK_TTL_MS);
  cancellations = new Cancellations(q.redis, q.prefix, { executeQueue: q.queue("execute") });
  retries = [];
  processed = new Map();
  processGate = Promise.resolve();
  // The process step, as far as execute is concerned: its result, per run.
  await q.handle("process", async (job: Job<RunJobData>) => {
    await processGate;
    return processed.get(job.data.runId) ?? approved();
  });
});
afterEach(async () => {
  await q.reset();
  await cancellations.close();
  await rm(cwd, { recursive: true, force: true });
});

const approved = (over: Partial<ProcessResult> = {}) =>
  approvedByBob({ number: 7, url: "https://github.example/acme/widgets/pull/7", author: "alice", title: "Fix" }, over);

/** The execute step as the workers wire it, on real stores; `over` replaces a dependency. */
async function startExecute(over: Partial<ExecuteDeps> & { runner?: Partial<RunnerConfig> } = {}) {
  const { runner, ...rest } = over;
  const step = executeStep({
    runner: {
      scriptCwd: cwd,
      scriptEnv: [ENV_NAME],
      scriptEnvValues: [ENV_VALUE],
      timeoutMs: 20_000,
      outputLimit: 64 * 1024,
      workflowStateLimit: 1024 * 1024,
      ...runner,
    },
    appSecrets: [APP_SECRET],
    ledger,
    bundles,
    locks,
    shutdown: new AbortController().signal,
    cancellations,
    keep: outcomeStore({ ledger, outcomes, recordRetry: async (data, attempt) => void retries.push({ runId: data.runId, attempt }) }),
    roomToRecord: async () => {},
    retryRefusal: async () => null,
    ...rest,
  });
  // What Redis holds the moment the step returns: the record must be there before the job completes.
  const atReturn = new Map<string, Awaited<ReturnType<ExecutionLedger["read"]>>>();
  await q.handle("execute", async (job: Job<RunJobData>, token?: string) => {
    const summary = await step(job, token);
    atReturn.set(`${job.data.runId}#${summary.attempt}`, await ledger.read(job.data.runId));
    return summary;
  });
  return { atReturn };
}

/** A script that appends a line to `runs.txt` in SCRIPT_CWD each time it runs, then does `body`. */
const counting = (body = "") => `import { appendFileSync } from "node:fs";\nappendFileSync("runs.txt", "ran\\n");\n${body}\n`;
const runsOf = async () => (await readFile(join(cwd, "runs.txt"), "utf8").catch(() => "")).split("\n").filter(Boolean).length;

/** Queues the run's process ◄ execute flow with `code` as its bundle and resolves once execute ends. */
async function executeRun(target: ScriptTarget, code: string | null, o: { beforeSettle?: () => Promise<void> } = {}) {
  const data = runData(target);
  if (code !== null) await bundles.save(data.runId, code);
  const settled = q.settled("execute", data.runId);
  await q.flows.add(flowNode("execute", data, [flowNode("process", data)], { attempts: 1 }));
  await o.beforeSettle?.();
  return { data, run: await settled };
}

const summaryOf = (run: Settled) => {
  if (run.state !== "completed") throw run.error;
  return run.value as ExecuteSummary;
};

/** Retries a finished execute job as the dashboard does, and resolves once it ends again. */
async function retry(run: Settled) {
  const again = q.settled("execute", run.job.id!);
  await run.job.retry(run.state);
  return again;
}

describe("executeStep", () => {
  it("runs the bundle once in SCRIPT_CWD with only the allowlisted environment, redacted, and has its outcome on record before it returns", async () => {
    const { atReturn } = await startExecute();
    const target = plainTarget("scripts/once.ts");
    const code = counting(`console.log("env", process.env.${ENV_NAME}, process.env.${FORBIDDEN_NAME} ?? "absent");\nconsole.error("app ${APP_SECRET}");`);
    const { data, run } = await executeRun(target, code);

    expect(summaryOf(run)).toMatchObject({ attempt: 1, runner: hostname(), status: "succeeded", exitCode: 0, message: null });
    expect(await runsOf()).toBe(1);
    expect(atReturn.get(`${data.runId}#1`)).toMatchObject({ attempt: 1, host: hostname(), resultAttempt: 1, result: { status: "succeeded", exitCode: 0 } });
    const outcome = await outcomes.load(data.runId, 1);
    expect(outcome).toMatchObject({ attempt: 1, process: approved(), execution: { status: "succeeded" } });
    const printed = outcome!.execution.output.lines.map((line) => `${line.stream} ${line.text}`);
    expect(printed).toEqual(["stdout env [REDACTED] absent", "stderr app [REDACTED]"]);
    // The summary is all the job returns (BullMQ copies it to the parent and the event stream): no output.
    expect(JSON.stringify(run.state === "completed" && run.value)).not.toContain("env");
    expect(retries).toEqual([]);
  });

  it("records a script that throws as a failed result, and one that hangs past its timeout as timed_out: never a job failure", async () => {
    await startExecute();
    const thrown = await executeRun(plainTarget("scripts/throws.ts"), counting('throw new Error("the database said no");'));
    expect(summaryOf(thrown.run)).toMatchObject({ status: "failed", exitCode: 1 });
    const failed = await outcomes.load(thrown.data.runId, 1);
    expect(failed!.execution.output.lines.map((line) => line.text).join("\n")).toContain("the database said no");

    // The repository asks for less time than the server allows (20 s): that limit holds. Not much
    // less: with 300 ms a loaded CI machine stopped the script before it ran its first line.
    const hung = await executeRun(plainTarget("scripts/hangs.ts", { config: { timeoutMs: 2_000 } }), counting("setInterval(() => {}, 1000);"));
    expect(summaryOf(hung.run)).toMatchObject({ status: "timed_out", exitCode: null });
    expect((await ledger.read(hung.data.runId)).result).toMatchObject({ status: "timed_out" });
    expect(await runsOf()).toBe(2);
  });

  it("never runs a script process refused or could not bundle, and records that as the run's result", async () => {
    await startExecute();
    const target = plainTarget("scripts/refused.ts");
    const data = runData(target);
    processed.set(data.runId, approved({ problem: { status: "failed", message: "the script did not bundle", detail: "x.ts:1:1: error" } }));
    const { run } = await executeRun(target, counting());
    expect(summaryOf(run)).toMatchObject({ status: "failed", message: "the script did not bundle" });
    expect(await runsOf()).toBe(0);
    expect(await ledger.read(data.runId)).toMatchObject({ attempt: 0, resultAttempt: 1 });
  });

  it("refuses a second run of a run that already has a result, and a retry whose log is already committed", async () => {
    let committed: string | null = null;
    await startExecute({ retryRefusal: async () => committed });
    const target = plainTarget("scripts/twice.ts");
    const { data, run } = await executeRun(target, counting());
    expect(summaryOf(run)).toMatchObject({ attempt: 1, status: "succeeded" });

    // Redis forgot the attempt but the repository has its log: not run, nothing recorded over it.
    committed = "the log of attempt 2 is already on main";
    const known = await retry(run);
    expect(summaryOf(known)).toMatchObject({ attempt: 2, status: "refused", message: committed });
    expect(await outcomes.load(data.runId, 2)).toBeNull();

    committed = null;
    const again = await retry(known);
    expect(summaryOf(again)).toMatchObject({
      attempt: 3,
      status: "refused",
      message: "this run already has a result (attempt 1); a finished run never runs again",
    });
    expect(await runsOf()).toBe(1);
    // The refusal has its own record and cleanup; the result on record stays attempt 1's.
    expect((await outcomes.load(data.runId, 3))?.execution.status).toBe("refused");
    expect(retries).toEqual([{ runId: data.runId, attempt: 3 }]);
    expect(await ledger.read(data.runId)).toMatchObject({ attempt: 1, resultAttempt: 1 });
  });

  it("honours a cancel made while the run waited: the script never starts, and the request is cleared for a later retry", async () => {
    await startExecute();
    const target = plainTarget("scripts/cancelled.ts");
    const data = runData(target);
    // Process is held until the cancel is in: execute waits for its child meanwhile.
    let release!: () => void;
    processGate = new Promise<void>((resolve) => (release = resolve));
    const { run } = await executeRun(target, counting(), {
      beforeSettle: async () => {
        try {
          await cancellations.request(data.runId, "carol");
          expect(await cancellations.cancelledBy(data.runId)).toMatchObject({ by: "carol" });
        } finally {
          release();
        }
      },
    });
    expect(summaryOf(run)).toMatchObject({ status: "cancelled", message: "cancelled by carol before it started" });
    expect(await runsOf()).toBe(0);
    expect(await ledger.read(data.runId)).toMatchObject({ attempt: 0, resultAttempt: 1 });
    expect(await cancellations.cancelledBy(data.runId)).toBeNull();
  });

  it("stops a running script when its run is cancelled, and records who cancelled it", async () => {
    const target = plainTarget("scripts/stopped.ts");
    const data = runData(target);
    await startExecute();
    // The script tells this server it is running; the cancel is made then, and it would otherwise run for ever.
    const server = createServer((_req, res) => {
      void cancellations.request(data.runId, "dave").finally(() => res.end("ok"));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const port = (server.address() as AddressInfo).port;
      const { run } = await executeRun(target, counting(`await fetch("http://127.0.0.1:${port}/started");\nsetInterval(() => {}, 1000);`));
      expect(summaryOf(run)).toMatchObject({ status: "cancelled", message: "cancelled by dave" });
      expect(await runsOf()).toBe(1);
      // Stopped by its SIGTERM, not by the SIGKILL that follows a grace of seconds.
      expect((await outcomes.load(data.runId, 1))?.execution).toMatchObject({ signal: "SIGTERM" });
      expect(await ledger.read(data.runId)).toMatchObject({ attempt: 1, resultAttempt: 1 });
      expect(await cancellations.cancelledBy(data.runId)).toBeNull();
    } finally {
      server.close();
    }
  });

  it("starts nothing it could not record; a retry while another run holds the lock is refused on record and stays retryable; then it runs", async () => {
    let room: () => Promise<void> = () => Promise.reject(new Error("Redis had no room to record this run"));
    await startExecute({ roomToRecord: () => room() });
    const target = plainTarget("scripts/locked.ts");
    const { data, run } = await executeRun(target, counting());
    expect(run.state).toBe("failed");
    expect(run.state === "failed" && run.error.message).toContain("no room to record");
    expect(await runsOf()).toBe(0);
    expect(await ledger.read(data.runId)).toMatchObject({ attempt: 0, resultAttempt: 0 });
    const key = locks.key(concurrencyLockName("self", target)!);
    expect(await locks.holderOf(key)).toBeNull();

    // A person retries while another run of the same script holds its lock: refused, with its own record.
    room = async () => {};
    expect(await locks.acquire(key, "other-run#1")).toBe(true);
    const refused = await retry(run);
    expect(refused.state).toBe("failed");
    expect(refused.state === "failed" && refused.error.name).toBe("AlreadyRecorded");
    expect((await outcomes.load(data.runId, 2))?.execution).toMatchObject({ status: "refused", message: "already running: other-run" });
    expect(retries).toEqual([{ runId: data.runId, attempt: 2 }]);
    expect(await runsOf()).toBe(0);

    // Once that run is over, the next retry runs the script.
    await locks.release(key, "other-run#1");
    const ran = await retry(refused);
    expect(summaryOf(ran)).toMatchObject({ attempt: 3, status: "succeeded" });
    expect(await runsOf()).toBe(1);
    expect(await locks.holderOf(key)).toBeNull();
  });

  it("lets the merge's own run wait its turn for the lock without using an attempt", async () => {
    await startExecute();
    const target = plainTarget("scripts/waits.ts");
    const key = locks.key(concurrencyLockName("self", target)!);
    expect(await locks.acquire(key, "earlier-run#1")).toBe(true);
    const events = new QueueEvents("execute", { connection: q.connection, prefix: q.prefix });
    await events.waitUntilReady();
    try {
      const delayed = new Promise<void>((resolve) => events.once("delayed", () => resolve()));
      const { data, run } = await executeRun(target, counting(), {
        beforeSettle: async () => {
          await delayed;
          expect(await runsOf()).toBe(0);
          await locks.release(key, "earlier-run#1");
        },
      });
      expect(summaryOf(run)).toMatchObject({ attempt: 1, status: "succeeded" });
      expect(await runsOf()).toBe(1);
      expect(await ledger.read(data.runId)).toMatchObject({ attempt: 1, resultAttempt: 1 });
    } finally {
      await events.close();
    }
  });

  it("fails the job, running nothing, when the bundle is gone from Redis", async () => {
    await startExecute();
    const { data, run } = await executeRun(plainTarget("scripts/no-bundle.ts"), null);
    expect(run.state).toBe("failed");
    expect(run.state === "failed" && run.error.message).toMatch(
      /^the script's bundle is no longer in Redis .*, so it did not start; merge it again to run it$/,
    );
    expect(await ledger.read(data.runId)).toMatchObject({ attempt: 0, resultAttempt: 0 });
  });
});
