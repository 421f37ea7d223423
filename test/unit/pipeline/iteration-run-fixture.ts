import { randomUUID } from "node:crypto";
import { FlowProducer, Queue, Worker, type Job } from "bullmq";
import type { ProcessResult } from "../../../src/pipeline/job-data.js";
import { executeJobId, processJobId } from "../../../src/pipeline/run-id.js";
import { DEFAULT_CONCURRENCY, type ScriptDescription } from "../../../src/sdk/protocol.js";

/** An iteration's description, as process hands it to execute. */
export const ITERATION_DESCRIPTION: ScriptDescription = {
  description: "backfill plans",
  inputs: {},
  concurrency: DEFAULT_CONCURRENCY,
  timeoutMs: null,
  env: null,
  iteration: { batchSize: 50, pauseMs: 0, counted: true, csv: null },
};

/** What a run of `kind` is, as its execute job's process child returned it. */
export function processResult(kind: "iteration" | "plain" | "script"): ProcessResult {
  const description = kind === "iteration" ? ITERATION_DESCRIPTION : kind === "plain" ? { ...ITERATION_DESCRIPTION, iteration: null } : null;
  return { provenance: { pullRequest: null, approvedBy: [], refusal: null }, alreadyHandled: null, description, problem: null };
}

/**
 * Runs' jobs on a real Redis as the pipeline queues them: an execute job whose only child is the
 * run's process job. `add` queues one and (unless told `unprepared`) completes its process job
 * with the result of `kind`, so execute is waiting for a worker; `finish` moves an execute job
 * to completed or failed as a worker would. Jobs are taken in the order they were queued: the
 * job `add` completes (`finish` ends) must be the next one waiting in its queue.
 */
export function runJobs(connection: { host: string; port: number }, prefix: string) {
  const flow = new FlowProducer({ connection, prefix });
  const execute = new Queue("execute", { connection, prefix });
  const processWorker = new Worker("process", null, { connection, prefix });
  const executeWorker = new Worker("execute", null, { connection, prefix });

  async function take(worker: Worker, id: string): Promise<{ job: Job; token: string }> {
    const token = randomUUID();
    const job = (await worker.getNextJob(token)) as Job | undefined;
    if (!job || job.id !== id) throw new Error(`expected job ${id} next, got ${job?.id ?? "none"}`);
    return { job, token };
  }

  return {
    execute,
    async add(
      o: { kind?: "iteration" | "plain" | "script"; owner?: string; repo?: string; chore?: string | null; unprepared?: boolean } = {},
    ): Promise<string> {
      const runId = `run-${randomUUID()}`;
      const chore = o.chore === undefined ? "billing/unlock" : o.chore;
      const target = { owner: o.owner ?? "acme", repo: o.repo ?? "ops", installationId: 7, ...(chore === null ? {} : { chore: { name: chore } }) };
      await flow.add({
        name: "execute",
        queueName: "execute",
        data: { runId, target },
        opts: { jobId: executeJobId(runId) },
        children: [{ name: "process", queueName: "process", data: { runId, target }, opts: { jobId: processJobId(runId) } }],
      });
      if (o.unprepared) return runId;
      const { job, token } = await take(processWorker, processJobId(runId));
      await job.moveToCompleted(processResult(o.kind ?? "iteration"), token, false);
      return runId;
    },
    /** Takes the run's execute job (it must be the next one) and ends it `how`. */
    async finish(runId: string, how: "completed" | "failed"): Promise<void> {
      const { job, token } = await take(executeWorker, executeJobId(runId));
      if (how === "completed") await job.moveToCompleted({ status: "succeeded" }, token, false);
      else await job.moveToFailed(new Error("the worker was lost"), token);
    },
    async close(): Promise<void> {
      await Promise.all([processWorker.close(), executeWorker.close(), flow.close(), execute.close()]);
    },
  };
}
