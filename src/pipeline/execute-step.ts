import { hostname } from "node:os";
import type { Job } from "bullmq";
import type { RunnerConfig } from "../config.js";
import { createRedactor } from "../runner/redact.js";
import { runScript } from "../runner/run-script.js";
import { buildScriptEnv } from "../runner/script-env.js";
import { onlyChildValue } from "./children-value.js";
import type { ExecuteResult, ProcessResult, RunJobData } from "./job-data.js";
import { notRun } from "./not-run.js";

/**
 * Step 2: run the bundle once in a child process. Whatever the script does (throws, exits
 * non-zero, hangs) is a result to record, never a job failure, so BullMQ has nothing to
 * retry; this queue is also configured never to retry on its own.
 */
export function executeStep(runner: RunnerConfig, secrets: readonly string[]) {
  // All the app's secrets, not only the script's: a script could read them from its parent.
  const redact = createRedactor(secrets);
  return async (job: Job<RunJobData>): Promise<ExecuteResult> => {
    const processed = await onlyChildValue<ProcessResult>(job);
    if (processed.problem || processed.code === null) {
      const problem = processed.problem ?? { status: "failed" as const, message: "no bundle to run", detail: null };
      return { process: processed, execution: notRun(problem), runner: hostname() };
    }
    await job.log(`running ${job.data.target.path} in ${runner.scriptCwd}`);
    const execution = await runScript({
      code: processed.code,
      cwd: runner.scriptCwd,
      env: buildScriptEnv(process.env, runner.scriptEnv),
      timeoutMs: runner.timeoutMs,
      maxOutputBytes: runner.outputLimit,
      redact,
    });
    await job.log(`${execution.status}${execution.message ? `: ${execution.message}` : ""}`);
    return { process: processed, execution, runner: hostname() };
  };
}
