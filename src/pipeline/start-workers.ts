import { Worker, type ConnectionOptions, type Job } from "bullmq";
import type { Logger } from "pino";
import type { RunnerConfig } from "../config.js";
import type { GitHubClient } from "../github/octokit.js";
import { cleanupStep } from "./cleanup-step.js";
import { executeStep } from "./execute-step.js";
import type { RunJobData } from "./job-data.js";
import { processStep } from "./process-step.js";

export interface WorkerSettings {
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  runner: RunnerConfig;
  /** Every value to redact: the app's own secrets and the values of SCRIPT_ENV variables. */
  secrets: string[];
  requiredApprovals: number;
  octokitFor(installationId: number): Promise<GitHubClient>;
  log: Logger;
}

export interface Workers {
  close(): Promise<void>;
}

/** One BullMQ worker per step, all in this process. */
export function startWorkers(settings: WorkerSettings): Workers {
  const { connection, prefix, concurrency, log } = settings;
  const processor = {
    process: processStep(settings),
    execute: executeStep(settings.runner, settings.secrets),
    cleanup: cleanupStep({ octokitFor: settings.octokitFor, secrets: settings.secrets }),
  };
  const workers = [
    new Worker("process", processor.process, { connection, prefix, concurrency }),
    // A stalled execute job (its worker died mid-run) must fail, never be picked up again:
    // the script may have partly run, and only a person may decide to run it again.
    new Worker("execute", processor.execute, { connection, prefix, concurrency, maxStalledCount: 0 }),
    new Worker("cleanup", processor.cleanup, { connection, prefix, concurrency }),
  ];
  for (const worker of workers) {
    worker.on("failed", (job: Job<RunJobData> | undefined, error: Error) => {
      log.error({ queue: worker.name, runId: job?.data.runId, attempt: job?.attemptsMade, err: error }, `${worker.name} job failed`);
    });
    worker.on("error", (error) => log.error({ queue: worker.name, err: error }, "worker error"));
  }
  log.info({ concurrency }, "workers started for process, execute and cleanup");
  return {
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
    },
  };
}
