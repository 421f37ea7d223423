import { DelayedError, FlowProducer, Job, Queue, Worker, type ConnectionOptions } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import { defaultRepoConfig } from "../../../src/github/repo-config.js";
import { enqueueRuns } from "../../../src/pipeline/enqueue-run.js";
import { ExecutionLedger } from "../../../src/stores/execution-ledger.js";
import { outcomeReader } from "../../../src/steps/flow-outcome.js";
import { cleanupJobId, runIdFor } from "../../../src/pipeline/run-id.js";
import { liveState, writeLiveState } from "../../../src/pipeline/live-state.js";
import { liveReport } from "../../../src/steps/live-report.js";
import { RunOutcomes } from "../../../src/stores/run-outcomes.js";
import type { CleanupJobData, CleanupResult, ExecuteResult, ExecuteSummary, ProcessResult, RunJobData } from "../../../src/pipeline/job-data.js";
import type { RunQueues } from "../../../src/api/run-status-reader.js";
import type { IterationReport, RunStatus, ScriptTarget, WorkflowReport } from "../../../src/run-types.js";
import type { ReportMessage } from "../../../src/sdk/protocol.js";
import type { Checkpoint } from "../../../src/stores/execution-ledger.js";

/** What the fake execute step does with a run. */
export type ExecutePlan =
  /** Waits for a concurrency lock as takeTurn does: live state `waiting`, back to delayed. */
  | { kind: "wait"; reason: string }
  /**
   * Starts (ledger) and runs until `release`, after reporting (`report`): progress 4 of 10 and
   * counters through liveReport (`live`, the default); a bare progress 40, as the previous
   * release wrote it (`legacy`); nothing (`none`).
   */
  | { kind: "hold"; report?: "live" | "legacy" | "none" }
  /** Starts and ends at once with this status. */
  | { kind: "finish"; status: RunStatus }
  /** Starts, then its worker "dies": the job fails. */
  | { kind: "crash" };

export interface Plan {
  /** Hold the process step until `release` (the run stays queued). */
  holdProcess?: boolean;
  execute: ExecutePlan;
  /** Hold the cleanup step until `release` (the run stays recording). */
  holdCleanup?: boolean;
  /** A workflow's steps: saved in the ledger as the attempt starts (`saved`), and in its recorded report (`recorded`). */
  workflow?: { saved?: WorkflowReport; recorded?: WorkflowReport };
  /**
   * An iteration: its checkpoint saved in the ledger as the attempt starts (`saved`), the
   * messages its live report gets while it holds (`live`, batch size `batchSize`), and its
   * recorded report (`recorded`).
   */
  iteration?: { saved?: { checkpoint: Checkpoint; report: IterationReport }; batchSize?: number; live?: ReportMessage[]; recorded?: IterationReport };
}

/**
 * The three steps of the pipeline on real BullMQ queues, in real flows (enqueueRuns), with
 * fake steps that do what each run's plan says, so the runs can be put in every state.
 */
export interface RunPipeline {
  queues: RunQueues;
  redis: Redis;
  ledger: ExecutionLedger;
  /** Queues a run of `path` and returns its run id. */
  add(path: string, plan: Plan, commit?: string): Promise<string>;
  /** Queues the runs of one merge, chained in path order as a merge's are; returns their run ids in that order. */
  addMerge(runs: Record<string, Plan>, commit: string): Promise<string[]>;
  /** Stops and restarts workers taking execute jobs (no worker free). */
  pauseExecute(): Promise<void>;
  resumeExecute(): Promise<void>;
  /** Changes what a run does next (e.g. before retrying its execute job). */
  replan(runId: string, plan: Plan): void;
  /** Lets a held step of `runId` go on, or the next one it reaches. */
  release(runId: string): void;
  /** Retries a finished execute job as the dashboard does. */
  retryExecute(runId: string): Promise<void>;
  close(): Promise<void>;
}

export const PULL_REQUEST = { number: 7, url: "https://github.example/acme/ops/pull/7", author: "alice", title: "Fix the plans" };

export async function runPipeline(connection: ConnectionOptions, prefix: string): Promise<RunPipeline> {
  const redis = new Redis(connection as RedisOptions);
  const ledger = new ExecutionLedger(redis, prefix);
  const outcomes = new RunOutcomes(redis, prefix);
  const queues: RunQueues = {
    process: new Queue("process", { connection, prefix }),
    execute: new Queue("execute", { connection, prefix }),
    cleanup: new Queue("cleanup", { connection, prefix }),
  };
  const flows = new FlowProducer({ connection, prefix });
  const plans = new Map<string, Plan>();
  const gates = new Map<string, () => void>();
  // The API shows a step as running once its job is active, a moment before it reaches its
  // gate: a release that comes first lets it through when it gets there.
  const released = new Set<string>();
  const gate = (runId: string) => (released.delete(runId) ? Promise.resolve() : new Promise<void>((resolve) => gates.set(runId, resolve)));
  const planOf = (runId: string) => {
    const plan = plans.get(runId);
    if (!plan) throw new Error(`no plan for ${runId}`);
    return plan;
  };

  const processWorker = new Worker<RunJobData, ProcessResult>(
    "process",
    async (job) => {
      if (planOf(job.data.runId).holdProcess) await gate(job.data.runId);
      return { provenance: { pullRequest: PULL_REQUEST, approvedBy: ["bob"], refusal: null }, alreadyHandled: null, description: null, problem: null };
    },
    { connection, prefix, concurrency: 10 },
  );
  const executeWorker = new Worker<RunJobData, ExecuteSummary>(
    "execute",
    async (job, token) => {
      const { runId, target } = job.data;
      const plan = planOf(runId).execute;
      const workflow = planOf(runId).workflow;
      const processed = Object.values(await job.getChildrenValues<ProcessResult>())[0]!;
      if (plan.kind === "wait") {
        await job.log(`waiting: ${plan.reason}`);
        await writeLiveState(job, { ...liveState(job.attemptsMade + 1), waiting: plan.reason });
        await job.moveToDelayed(Date.now() + 60 * 60 * 1000, token);
        throw new DelayedError(`waiting: ${plan.reason}`);
      }
      const startedAt = new Date();
      const attempt = job.attemptsMade + 1;
      await ledger.start(runId, attempt, "test-host");
      if (workflow?.saved) await ledger.saveWorkflow(runId, attempt, workflow.saved);
      const iteration = planOf(runId).iteration;
      if (iteration?.saved) await ledger.saveCheckpoint(runId, attempt, iteration.saved.checkpoint, iteration.saved.report);
      await job.log(`attempt ${attempt}: running ${target.path} in /srv`);
      if (plan.kind === "crash") throw new Error("the worker died");
      let status: RunStatus = "succeeded";
      if (plan.kind === "hold") {
        const report = plan.report ?? "live";
        if (report === "legacy") await job.updateProgress(40);
        if (report === "live" && iteration?.live) {
          const live = liveReport(job, { attempt, iteration: { batchSize: iteration.batchSize ?? 50 } });
          for (const message of iteration.live) live.onReport(message);
          await live.flush();
        } else if (report === "live") {
          const live = liveReport(job, { attempt });
          live.onReport({ type: "progress", done: 4, total: 10 });
          live.onReport({ type: "counter", name: "rows", op: "set", value: 3 });
          live.onReport({ type: "counter", name: "skipped", op: "inc", value: 1 });
          await live.flush();
        }
        await gate(runId);
      } else status = plan.status;
      const finishedAt = new Date(startedAt.getTime() + 1500);
      const result: ExecuteResult = {
        process: processed,
        execution: {
          status,
          exitCode: status === "succeeded" ? 0 : status === "failed" ? 3 : null,
          signal: status === "cancelled" ? "SIGTERM" : null,
          startedAt: startedAt.toISOString(),
          finishedAt: finishedAt.toISOString(),
          durationMs: 1500,
          output: { lines: [], omittedBytes: 0, omittedAt: null },
          message: status === "succeeded" ? null : `it ${status}`,
          report: {
            inputs: null,
            counters: { rows: 4 },
            progress: { done: 4, total: 4 },
            result: { attempt },
            failReason: null,
            logs: [],
            droppedLogs: 0,
            rejectedLines: 0,
            ...(workflow?.recorded ? { workflow: workflow.recorded } : {}),
            ...(iteration?.recorded ? { iteration: iteration.recorded } : {}),
          },
        },
        runner: "test-host",
        attempt,
      };
      await outcomes.save(runId, result);
      if (attempt > 1) {
        const cleanup: CleanupJobData = { ...job.data, attempt };
        await queues.cleanup.add(target.path, cleanup, { jobId: cleanupJobId(runId, attempt) });
      }
      const { exitCode, durationMs, message } = result.execution;
      return { attempt, runner: result.runner, status, exitCode, durationMs, message };
    },
    { connection, prefix, concurrency: 10 },
  );
  const readOutcome = outcomeReader(queues, ledger, outcomes);
  const cleanupWorker = new Worker<CleanupJobData, CleanupResult>(
    "cleanup",
    async (job) => {
      const { runId, target } = job.data;
      const outcome = await readOutcome(job);
      if (planOf(runId).holdCleanup) await gate(runId);
      return {
        script: target.path,
        logPath: `logs/${target.path.replace(/^.*\//, "")}-${outcome.attempt}.md`,
        commit: `c0ffee${outcome.attempt}`.padEnd(40, "0"),
        cleanupPullRequest: null,
        status: outcome.execution.status,
      };
    },
    { connection, prefix, concurrency: 10 },
  );
  const workers = [processWorker, executeWorker, cleanupWorker];
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));

  const addMerge: RunPipeline["addMerge"] = async (runs, commit) => {
    const target = (path: string): ScriptTarget => ({
      owner: "acme",
      repo: "ops",
      installationId: 1,
      defaultBranch: "main",
      commit,
      committedAt: "2026-12-01T10:00:00Z",
      path,
      blob: "b".repeat(40),
      pullRequest: null,
      refusal: null,
      config: defaultRepoConfig({ minApprovals: 1, maxTimeoutMs: 900_000, minChorePermission: "write" }),
      configError: null,
    });
    const targets = Object.keys(runs).map(target);
    for (const t of targets) plans.set(runIdFor(t), runs[t.path]!);
    return enqueueRuns(flows, targets, { githubStepAttempts: 1 });
  };

  return {
    queues,
    redis,
    ledger,
    async add(path, plan, commit = "0123456789abcdef0123456789abcdef01234567") {
      return (await addMerge({ [path]: plan }, commit))[0]!;
    },
    addMerge,
    async pauseExecute() {
      await queues.execute.pause();
    },
    async resumeExecute() {
      await queues.execute.resume();
    },
    replan(runId, plan) {
      plans.set(runId, plan);
    },
    release(runId) {
      const open = gates.get(runId);
      if (!open) {
        released.add(runId);
        return;
      }
      gates.delete(runId);
      open();
    },
    async retryExecute(runId) {
      const job = await Job.fromId(queues.execute, runId);
      if (!job) throw new Error(`no execute job ${runId}`);
      await job.retry((await job.getState()) as "completed" | "failed");
    },
    async close() {
      for (const open of gates.values()) open();
      await Promise.all(workers.map((worker) => worker.close()));
      await Promise.all([flows.close(), ...Object.values(queues).map((queue) => queue.close())]);
      redis.disconnect();
    },
  };
}
