import { hostname } from "node:os";
import type { Job } from "bullmq";
import type { RunnerConfig } from "../config.js";
import { createRedactor } from "../runner/redact.js";
import { runScript } from "../runner/run-script.js";
import { buildScriptEnv } from "../runner/script-env.js";
import { onlyChildValue } from "./children-value.js";
import type { BundleStore } from "./bundle-store.js";
import type { ExecutionLedger } from "./execution-ledger.js";
import type { ExecuteResult, ProcessResult, RunJobData } from "./job-data.js";
import { liveReport } from "./live-report.js";
import { notRun } from "./not-run.js";

export interface ExecuteDeps {
  runner: RunnerConfig;
  /** Every value to redact: the app's secrets too, since a script could read them from its parent. */
  secrets: readonly string[];
  ledger: ExecutionLedger;
  bundles: BundleStore;
  /** Aborted when the worker shuts down and the grace period is over. */
  shutdown: AbortSignal;
  /** Queues the cleanup of a retry, whose flow parent already recorded the first attempt. */
  recordRetry(data: RunJobData, result: ExecuteResult): Promise<void>;
}

/**
 * Step 2: run the bundle once in a child process. Whatever the script does (throws, exits
 * non-zero, hangs) is a result to record, never a job failure, so BullMQ has nothing to
 * retry; this queue is also configured never to retry on its own.
 */
export function executeStep(deps: ExecuteDeps) {
  const redact = createRedactor(deps.secrets);
  return async (job: Job<RunJobData>): Promise<ExecuteResult> => {
    const processed = await onlyChildValue<ProcessResult>(job);
    if (processed.problem || processed.code === null) {
      const problem = processed.problem ?? { status: "failed" as const, message: "no bundle to run", detail: null };
      return { process: processed, execution: notRun(problem), runner: hostname(), attempt: 1 };
    }
    const { runId, target } = job.data;
    const code = await deps.bundles.load(runId);
    if (code === null) throw new Error(`the bundle of ${runId} is missing from Redis; retry its process job`);
    const attempt = await deps.ledger.start(runId, hostname());
    await job.log(`attempt ${attempt}: running ${target.path} in ${deps.runner.scriptCwd}`);
    const live = liveReport(job);
    const execution = await runScript({
      code,
      cwd: deps.runner.scriptCwd,
      env: buildScriptEnv(process.env, deps.runner.scriptEnv),
      // The repository and the script may ask for less time than the server allows, never more.
      timeoutMs: Math.min(target.config.timeoutMs, deps.runner.timeoutMs, processed.description?.timeoutMs ?? Infinity),
      // A merged SDK script runs with its declared defaults.
      ...(processed.description ? { inputs: {} } : {}),
      onReport: live.onReport,
      maxOutputBytes: deps.runner.outputLimit,
      redact,
      signal: deps.shutdown,
    });
    await live.flush();
    if (execution.status === "cancelled" && deps.shutdown.aborted) {
      execution.message = "the worker shut down before the script finished; it was stopped after the grace period";
    }
    await job.log(`${execution.status}${execution.message ? `: ${execution.message}` : ""}`);
    const result: ExecuteResult = { process: processed, execution, runner: hostname(), attempt };
    if (attempt > 1) await deps.recordRetry(job.data, result);
    return result;
  };
}
