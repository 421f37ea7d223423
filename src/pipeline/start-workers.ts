import { createHash, randomUUID } from "node:crypto";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { Worker, type ConnectionOptions, type Job, type JobsOptions, type Telemetry, type WorkerOptions } from "bullmq";
import type { Logger } from "pino";
import type { Retention, RunnerConfig } from "../config.js";
import { retryRefusal } from "../github/rerun-guard.js";
import { DEFAULT_RUN_NAME_TTL_MS, RunNames } from "../stores/run-names.js";
import { RunInputs } from "../stores/run-inputs.js";
import type { GitHubClient } from "../github/octokit.js";
import type { ServerLimits } from "../github/repo-config.js";
import { rateLimitedLog } from "../redis/rate-limited-log.js";
import { classifyRedisError, shortError } from "../redis/redis-info.js";
import { currentClaim } from "../runner/claim.js";
import { JobClaims } from "../runner/job-claims.js";
import { containment } from "../runner/process-containment.js";
import { branchTurns } from "../stores/branch-turns.js";
import { BundleStore } from "../stores/bundle-store.js";
import { ChoreCatalog } from "../stores/chore-catalog.js";
import { recordNotRepeated, recordRunFinished } from "../metrics/run-metrics-store.js";
import { Cancellations } from "../stores/cancellations.js";
import { cleanupStep } from "../steps/cleanup-step.js";
import { ConcurrencyLock } from "../stores/concurrency-lock.js";
import { discoverStep } from "../steps/discover-step.js";
import { indexChoresStep } from "../steps/index-chores-step.js";
import { githubStepOptions } from "./enqueue-run.js";
import { executeStep } from "../steps/execute-step.js";
import { RollbackTimes } from "./rollback-times.js";
import { ExecutionLedger } from "../stores/execution-ledger.js";
import { Freezes } from "../stores/freezes.js";
import { lostOutcome, outcomeReader } from "../steps/flow-outcome.js";
import type { CleanupJobData, ExecuteSummary, RunJobData } from "./job-data.js";
import { processStep } from "../steps/process-step.js";
import { processChoreStep } from "../steps/process-chore-step.js";
import { valuesToRedact } from "../runner/run-options.js";
import { openQueues, type QueueName } from "./queues.js";
import { createRedisClient, type RedisSettings } from "../redis/redis-client.js";
import { listenForRedisErrors, onRedisError } from "../redis/redis-errors.js";
import { PullRequestComments } from "../notify/pull-request-comments.js";
import { commandReplies } from "../notify/command-reply.js";
import { chorePages } from "../chatops/run-page.js";
import { cleanupJobId } from "./run-id.js";
import { RunLogBatcher } from "../steps/run-log-batcher.js";
import { RunOutcomes } from "../stores/run-outcomes.js";
import { RunRetention } from "../stores/run-retention.js";
import { hasRoom } from "../redis/redis-room.js";
import { answers, redisGone, settledWithin } from "../redis/stop-bounds.js";
import { ResultSpool } from "../stores/result-spool.js";
import { checkedFormat, withFormat } from "./job-format.js";
import { outcomeStore } from "../steps/store-outcome.js";
import { waitForRoom } from "../steps/wait-for-room.js";
import { waitForJobs } from "./wait-for-jobs.js";
import type { ScheduleLimits } from "../config.js";
import { ChoreRuns } from "../stores/chore-runs.js";
import { ScheduleStates } from "../stores/schedule-states.js";
import { Schedules } from "../schedules/schedules.js";
import { ScheduleDigests } from "../stores/schedule-digests.js";
import { digestStep, isDigestJob, scheduleDigestFlush } from "../schedules/digest-step.js";
import { occurrenceRuns } from "../schedules/occurrence-runs.js";
import { triggerStep } from "../schedules/trigger-step.js";
import type { ScheduleTriggerData } from "../schedules/schedule-types.js";
import { enqueueChoreRun } from "./enqueue-chore-run.js";
import { processJobId } from "./run-id.js";
import { ParkedRuns } from "../stores/parked-runs.js";
import { wakeRun } from "./decide-run.js";
import { RunSegments } from "../stores/run-segments.js";
import { parkInterrupted } from "../steps/park-interrupted.js";

// GitHub names the pull request of a commit it just merged within seconds; past this the
// commit is taken to belong to none and its scripts are refused.
const ASSOCIATION_WAIT_MS = 30_000;
const SPOOL_RETRY_MS = 2_000;
const ROOM_POLL_MS = 1_000;
const RECORD_OVERHEAD_BYTES = 256 * 1024;

export interface WorkerSettings {
  /** BullMQ's connection: options, or a shared Cluster instance (the caller's, left open). */
  connection: ConnectionOptions;
  /** Where the Redis is, for this process's own clients (ledger, bundles, locks, cancellations). */
  redis: RedisSettings;
  prefix: string;
  concurrency: number;
  /** Cleanup jobs at once; they share commits (RunLogBatcher), so more of them means fewer commits. */
  cleanupConcurrency: number;
  runner: RunnerConfig;
  /** The app's own credentials, hidden like the SCRIPT_ENV values wherever a run is shown. */
  appSecrets: readonly string[];
  githubStepAttempts: number;
  limits: ServerLimits;
  resultWebhook: { url: string; secret: string } | null;
  /** How long a job's lock lasts without renewal; a dead worker's jobs count as stalled after it. */
  lockMs: number;
  /** How long finished runs stay in Redis; these workers also sweep out those whose time is up. */
  retention: Retention;
  /** Where a finished script's outcome waits while Redis cannot store it (default: in the OS temp folder). */
  spoolDir?: string;
  /** How long a named run's name stays taken after it ends (RUN_NAME_TTL; default 1 hour). */
  runNameTtlMs?: number;
  /** The chores pages' address (PUBLIC_URL) when they are served: `/chorebot` replies link a run's page there. */
  choresPublicUrl?: string | null;
  octokitFor(installationId: number): Promise<GitHubClient>;
  log: Logger;
  /** Set when tracing is on: each job is a span in the trace of the merge that queued it. */
  telemetry?: Telemetry;
  /** What chores' schedules may ask for (config.schedules); without it these workers neither reconcile schedules nor trigger occurrences. */
  schedules?: ScheduleLimits;
  /** How often a parked waiting run looks at its record again (default PARK_RECHECK_MS); a decision wakes it at once. */
  parkRecheckMs?: number;
}

/** After the grace, how long stopping a script may take (SIGTERM, SIGKILL 5 s later) and its outcome reach Redis or the disk. */
export const SCRIPT_STOP_MS = 7_000;
/** How long the logs of the scripts stopped may take to be committed, while Redis answers. */
export const FLUSH_MS = 30_000;
/** How long closing the connections may take before they are dropped. */
export const FORCE_CLOSE_MS = 1_000;
// How long Redis may take to answer a PING before it counts as unreachable while stopping.
const PING_MS = 1_000;

/** What a stop left undone. */
export interface StopReport {
  /** Runs whose script's outcome is neither in Redis nor on disk: they are recorded as lost. */
  unrecorded: string[];
  /** Outcomes kept on disk (this host's spool): the next worker started here records them. */
  keptOnDisk: number;
  /** Where they are. */
  spoolDir: string;
  /** Scripts stopped here whose logs were not committed in time: their cleanup jobs stay queued. */
  logsPending: number;
}

export interface Workers {
  /**
   * Stops taking jobs, lets running scripts finish for up to `graceMs`, then stops them
   * (recorded as cancelled) and waits up to FLUSH_MS for their logs to be committed. Bounded
   * whatever Redis does: within `graceMs` + SCRIPT_STOP_MS + FLUSH_MS + FORCE_CLOSE_MS, and
   * once every running script's outcome is stored or kept on disk, a Redis that does not
   * answer ends the wait (nothing more can be recorded without it). A workflow stopped here
   * gets its rollbacks' time on top (see rollbackTimeMs).
   */
  close(graceMs: number): Promise<StopReport>;
  /** How much longer than a plain script's the scripts running now may take to stop: a workflow's rollbacks (RollbackTimes). */
  rollbackTimeMs(): number;
}

/** One BullMQ worker per step, all in this process. */
export function startWorkers(settings: WorkerSettings): Workers {
  const { connection, prefix, concurrency, log, telemetry } = settings;
  const redis = createRedisClient(settings.redis);
  const ledger = new ExecutionLedger(redis, prefix);
  const bundles = new BundleStore(redis, prefix);
  const catalog = new ChoreCatalog(redis, prefix);
  // A chore run's raw inputs (secret values, uploads): read by execute, dropped once the run is recorded.
  const runInputs = new RunInputs(redis, prefix);
  const runNames = new RunNames(redis, prefix, settings.runNameTtlMs ?? DEFAULT_RUN_NAME_TTL_MS);
  const outcomes = new RunOutcomes(redis, prefix);
  // Runs that wait for a signal, approvals, or a person's decision after their worker was lost.
  const parked = new ParkedRuns(redis, prefix);
  const interruptedParking = { runs: parked, inputs: runInputs };
  // A script's concurrency lease lasts as long as a job lock: a dead worker's frees up with its jobs.
  const locks = new ConcurrencyLock(redis, prefix, settings.lockMs);
  // Its subscriber's reconnects while Redis is away are the outage's one line a minute, not a stack each.
  const cancellations = new Cancellations(redis, prefix, {
    onError: (err) => (classifyRedisError(err) === "down" ? onRedisError(err) : log.warn({ err }, "cancellation listener error")),
  });
  const queues = openQueues(connection, prefix, telemetry);
  listenForRedisErrors([...Object.values(queues.byName), queues.flows]);
  const retention = new RunRetention(redis, prefix, queues.byName, settings.retention);
  const shutdown = new AbortController();
  const cleanupOptions: JobsOptions = githubStepOptions({ githubStepAttempts: settings.githubStepAttempts });
  const octokitFor = (installationId: number) => settings.octokitFor(installationId);
  const toRedact = valuesToRedact({ appSecrets: settings.appSecrets, scriptEnvValues: settings.runner.scriptEnvValues });
  // Processes take turns to commit to a branch instead of racing for its head.
  // The replies of runs started by `/chorebot` comments, edited as their runs go.
  const replies = commandReplies({ octokitFor, runPage: chorePages(settings.choresPublicUrl ?? null).runPage, log });
  const runLogs = new RunLogBatcher({ turn: branchTurns(locks, `${hostname()}:${process.pid}:${randomUUID()}`) });

  const recordRetry = async (data: RunJobData, attempt: number) => {
    const cleanup: CleanupJobData = withFormat({ ...data, attempt });
    await queues.byName.cleanup.add(data.target.path, cleanup, { ...cleanupOptions, jobId: cleanupJobId(data.runId, attempt) });
  };
  // Every step's worker: its jobs' format checked first, the same lock settings; `options` adds to them.
  const stepWorker = <D, R>(name: QueueName, step: (job: Job<D>, token?: string) => Promise<R>, options: Partial<WorkerOptions> = {}) =>
    new Worker<D, R>(name, checkedFormat(step), {
      connection,
      prefix,
      concurrency,
      telemetry,
      lockDuration: settings.lockMs,
      stalledInterval: settings.lockMs,
      ...options,
    });

  const discoverWorker = stepWorker(
    "discover",
    discoverStep({
      octokitFor,
      flows: queues.flows,
      limits: settings.limits,
      githubStepAttempts: settings.githubStepAttempts,
      associationWaitMs: ASSOCIATION_WAIT_MS,
    }),
  );
  // A chore's run takes the version the index approved and bundled; a merged script's is checked and bundled here.
  const processScript = processStep({ octokitFor, valuesToRedact: toRedact, bundles });
  const processChore = processChoreStep({ catalog, bundles });
  const processWorker = stepWorker("process", (job: Job<RunJobData>) => (job.data.target.chore ? processChore(job) : processScript(job)));
  // Schedules: reconciled after each index, triggered on the `schedule` queue (src/schedules/).
  const scheduleStates = new ScheduleStates(redis, prefix);
  // Each schedule's day of occurrences, committed as one digest once the day is over (src/schedules/digest-step.ts).
  const scheduleDigest = new ScheduleDigests(redis, prefix);
  const schedules = settings.schedules
    ? new Schedules({ queue: queues.byName.schedule, redis, prefix, states: scheduleStates, catalog, limits: settings.schedules, digest: scheduleDigest, log })
    : null;
  const indexWorker = stepWorker(
    "index",
    indexChoresStep({
      octokitFor,
      catalog,
      limits: settings.limits,
      valuesToRedact: toRedact,
      associationWaitMs: ASSOCIATION_WAIT_MS,
      ...(schedules ? { reconcileSchedules: (indexed) => schedules.reconcile(indexed) } : {}),
    }),
  );
  // Each try of an occurrence is queued here: the trigger's first, and the retries cleanup decides on.
  const occurrences = settings.schedules
    ? occurrenceRuns({
        catalog,
        limits: settings.schedules,
        enqueue: (request) =>
          enqueueChoreRun(
            { flows: queues.flows, inputs: runInputs, history: new ChoreRuns(redis, prefix), githubStepAttempts: settings.githubStepAttempts },
            request,
          ),
        exists: async (runId) => (await queues.byName.process.getJob(processJobId(runId))) !== undefined,
        paused: async (schedulerId) => (await scheduleStates.read(schedulerId)).paused,
        tries: scheduleStates,
      })
    : null;
  const trigger =
    settings.schedules && occurrences
      ? triggerStep({
          states: scheduleStates,
          catalog,
          limits: settings.schedules,
          digest: scheduleDigest,
          runs: occurrences,
          queues: queues.byName,
          parked,
          redis,
          prefix,
          log,
        })
      : null;
  // The `schedule` queue's jobs are triggers, but for the hourly digest flush.
  const flushDigests = digestStep({
    digests: scheduleDigest,
    catalog,
    octokitFor,
    commitLog: (octokit, change) => runLogs.commit(octokit, change),
    now: Date.now,
  });
  const scheduleWorker = trigger
    ? stepWorker("schedule", async (job: Job<ScheduleTriggerData>, token?: string) => (isDigestJob(job) ? flushDigests(job) : trigger(job, token)), {
        // A slot more than the scripts': the flush may take minutes committing, and a trigger due meanwhile must not wait for it.
        concurrency: concurrency + 1,
      })
    : null;
  if (scheduleWorker) {
    scheduleDigestFlush(queues.byName.schedule).catch((err: unknown) => log.warn({ err }, "could not set up the hourly digest flush; the next start retries"));
  }
  // A stalled execute job (its worker died mid-run) must fail, never be picked up again:
  // the script may have partly run, and only a person may decide to run it again.
  // Each script must be dead before its job's lock can expire: it runs under the job's claim,
  // which only this worker's successful lock renewals extend.
  const storeOutcome = outcomeStore({ ledger, outcomes, recordRetry });
  const spoolRetries = rateLimitedLog(log, "outcome-spool");
  const spool = new ResultSpool(settings.spoolDir ?? defaultSpoolDir(settings.redis, prefix), SPOOL_RETRY_MS, {
    kept: ({ data, outcome }, err) =>
      log.warn(
        { runId: data.runId, attempt: outcome.attempt, err: shortError(err) },
        "the script's outcome could not be stored in Redis: kept on disk until Redis takes it",
      ),
    retryFailed: (err) => spoolRetries.warn({ err }, "outcomes kept on disk still cannot be stored in Redis; retrying"),
  });
  // Room for the run's records: its output (at most OUTPUT_LIMIT) twice over, plus BullMQ's bookkeeping.
  const recordBytes = 2 * settings.runner.outputLimit + RECORD_OVERHEAD_BYTES;
  const roomToRecord = (job: Job<RunJobData>) =>
    waitForRoom({
      room: () => hasRoom(redis, recordBytes),
      claim: currentClaim(),
      pollMs: ROOM_POLL_MS,
      onWait: () => {
        log.warn({ runId: job.data.runId }, "Redis has no room to record this run: its script waits to start");
        job.log("waiting: Redis has no room to record this run").catch(() => undefined);
      },
    });
  const rollbackTimes = new RollbackTimes();
  const execute = executeStep({
    runner: settings.runner,
    appSecrets: settings.appSecrets,
    ledger,
    bundles,
    keep: (entry) => spool.store(entry, storeOutcome),
    roomToRecord,
    locks,
    cancellations,
    freezes: new Freezes(redis, prefix),
    shutdown: shutdown.signal,
    retryRefusal: async (target, attempt, runId) => retryRefusal(await octokitFor(target.installationId), target, attempt, runId),
    inputs: runInputs,
    replies,
    rollbackTimes,
    parked: {
      runs: parked,
      segments: new RunSegments(redis, prefix),
      // BullMQ counts the failure of a refused retry as an attempt: given back, so the next attempt keeps its number.
      uncount: async (job) => void (await redis.hincrby(queues.byName.execute.toKey(job.id!), "atm", -1)),
      ...(settings.parkRecheckMs === undefined ? {} : { recheckMs: settings.parkRecheckMs }),
    },
  });
  const claims = new JobClaims(settings.lockMs);
  const executeWorker = stepWorker(
    "execute",
    // The spool knows each run's outcome is safe (stored, or kept on disk) or still in hand: shutdown waits for it.
    (job: Job<RunJobData>, token?: string) =>
      spool.hold(
        job.data.runId,
        claims.hold(job, () => execute(job, token)),
      ),
    {
      maxStalledCount: 0,
      lockRenewTime: claims.renewEveryMs,
    },
  );
  executeWorker.on("locksRenewed", ({ jobIds }) => claims.renewed(jobIds));
  executeWorker.on("lockRenewalFailed", (jobIds) => claims.lost(jobIds));
  const cleanupWorker = stepWorker(
    "cleanup",
    cleanupStep({
      octokitFor,
      inputs: runInputs,
      names: runNames,
      replies,
      valuesToRedact: toRedact,
      resultWebhook: settings.resultWebhook,
      recordFinished: (result, durationMs, id) =>
        recordRunFinished(redis, prefix, result, durationMs, { id }).then(
          () => undefined,
          (err: unknown) => log.warn({ err }, "could not record run metrics"),
        ),
      outcome: outcomeReader(queues.byName, ledger, outcomes, interruptedParking),
      bundle: (runId) => bundles.load(runId),
      recorded: async (runId, target) => {
        // A run with a result for good never runs again: its bundle can go now.
        if ((await ledger.read(runId)).resultAttempt > 0) await bundles.drop(runId);
        await retention.recorded(runId, { scheduled: target.chore?.request.schedule !== undefined });
      },
      alreadyHandled: (runId, reason) => {
        log.info({ runId, reason }, "a push delivered again: its run is on record already, nothing runs");
        recordNotRepeated(redis, prefix).catch((err: unknown) => log.warn({ err }, "could not record run metrics"));
      },
      comments: new PullRequestComments(redis, prefix, Math.max(settings.retention.completedMs, settings.retention.failedMs)),
      commitLog: (octokit, change) => runLogs.commit(octokit, change),
      ...(occurrences ? { schedules: { states: scheduleStates, digests: scheduleDigest, occurrences } } : {}),
    }),
    { concurrency: settings.cleanupConcurrency },
  );
  const workers: Worker[] = [discoverWorker, processWorker, executeWorker, cleanupWorker, indexWorker, ...(scheduleWorker ? [scheduleWorker] : [])];

  for (const worker of workers) {
    worker.on("failed", (job: Job | undefined, error: Error) => {
      log.error({ queue: worker.name, jobId: job?.id, attempt: job?.attemptsMade, err: error }, `${worker.name} job failed`);
    });
    // While Redis is down or full every poll fails: one line a minute, not a flood of stacks.
    const errors = rateLimitedLog(log, `worker-error:${worker.name}`);
    worker.on("error", (error) => errors.error({ queue: worker.name, err: error }, "worker error"));
  }
  // The merge's own attempt is recorded by its flow's cleanup; a lost retry has no parent
  // waiting for it, so record it here, in whichever worker noticed the failure.
  executeWorker.on("failed", (job: Job<RunJobData> | undefined, error: Error) => {
    if (!job) return;
    const { runId } = job.data;
    void (async () => {
      // A plain retry of an interrupted run was refused; a person who decided meanwhile found the
      // job active, so their wake did nothing: it is this one's to give.
      if (error.name === "NotDecided") {
        if ((await parked.read(runId))?.decision) await wakeRun(queues.byName.execute, runId);
        return;
      }
      if (job.attemptsMade < 2 || error.name === "AlreadyRecorded" || error.name === "JobTooNew") return;
      const lost = await lostOutcome(queues.byName, ledger, runId, error.message);
      // A workflow lost mid-way waits for a person's Resume or Roll back.
      await parkInterrupted(interruptedParking, job.data, lost);
      await storeOutcome({ data: job.data, outcome: lost, finished: false });
    })().catch((err: unknown) => log.error({ runId, err }, "could not record a failed retry"));
  });

  // Scripts running now, so that shutdown can wait for their logs.
  const running = new Map<string, Job<RunJobData>>();
  executeWorker.on("active", (job: Job<RunJobData>) => running.set(job.id!, job));
  executeWorker.on("completed", (job: Job<RunJobData>) => running.delete(job.id!));
  executeWorker.on("failed", (job: Job<RunJobData> | undefined) => job && running.delete(job.id!));
  // Outcomes an earlier worker process on this host could not store before it stopped.
  spool
    .drain(storeOutcome)
    .then((stored) => stored > 0 && log.info(`stored ${stored} outcome(s) kept on disk by an earlier worker`))
    .catch((err: unknown) => log.error({ err }, "could not store the outcomes kept on disk"));
  // Every worker process sweeps; a pass removes only what is due, so passes may overlap.
  let sweeping: Promise<unknown> = Promise.resolve();
  const sweeper = setInterval(() => {
    sweeping = retention.sweep().catch((err: unknown) => log.warn({ err }, "retention sweep failed; the next one retries"));
  }, retention.intervalMs);
  sweeper.unref();
  const contained = containment();
  log.info(
    { concurrency, containment: contained },
    `workers started for discover, process, execute, cleanup and index; scripts contained by ${contained.replace("-", " ")}`,
  );

  return {
    rollbackTimeMs: () => rollbackTimes.extraMs(),
    async close(graceMs) {
      clearInterval(sweeper);
      const stopping = [...running.values()];
      const timer = setTimeout(() => shutdown.abort(), graceMs);
      const gone = new AbortController();
      // Stop taking new scripts; those running finish, or are stopped after the grace period.
      // BullMQ's close waits on Redis for as long as it is away (the next job's fetch, the
      // running one's completion): once every outcome is safe, Redis not answering ends the wait.
      let intakeClosed = false;
      const intake = Promise.all([discoverWorker.close(), processWorker.close(), executeWorker.close(), indexWorker.close(), scheduleWorker?.close()]).then(
        () => (intakeClosed = true),
      );
      // A workflow stopped after the grace has its rollbacks' time before it is killed (killGraceMs).
      const stopMs = SCRIPT_STOP_MS + rollbackTimes.extraMs();
      await settledWithin(Promise.race([intake, spool.whenSafe().then(() => redisGone(redis, PING_MS, gone.signal))]), graceMs + stopMs);
      clearTimeout(timer);
      const unrecorded = spool.unsafe();
      // Their logs are committed by this process's cleanup worker before it stops too. A job
      // that went back to `delayed` to wait for a concurrency lock did not run here: skip it.
      const cleanups = stopping
        .filter((job) => job.finishedOn !== undefined)
        .map((job) => {
          const attempt = (job.returnvalue as ExecuteSummary | undefined)?.attempt ?? 1;
          return cleanupJobId(job.data.runId, attempt);
        });
      // Nothing can be committed without Redis: then the flush is skipped, and cut short if Redis goes.
      let flushed = false;
      if (intakeClosed && (await answers(redis, PING_MS))) {
        const flush = (async () => {
          await waitForJobs(queues.byName.cleanup, cleanups, { connection, prefix }, FLUSH_MS);
          await cleanupWorker.close();
          flushed = true;
        })();
        await settledWithin(Promise.race([flush, redisGone(redis, PING_MS, gone.signal)]), FLUSH_MS);
      }
      gone.abort();
      // Whatever still waits on Redis is dropped: an unfinished job's lock lapses and another
      // worker takes it up (an execute job is recorded from its outcome, kept on disk here).
      spool.close();
      // A worker whose close still waits on Redis is disconnected; that never waits for Redis'
      // answer, but may for a connection that never came up: not awaited.
      if (!intakeClosed) {
        for (const worker of [discoverWorker, processWorker, executeWorker, indexWorker, scheduleWorker]) worker?.disconnect().catch(() => undefined);
      }
      await settledWithin(Promise.allSettled([sweeping, queues.close(), cancellations.close(), cleanupWorker.close(true)]), FORCE_CLOSE_MS);
      redis.disconnect();
      return { unrecorded, keptOnDisk: await spool.waiting(), spoolDir: spool.dir, logsPending: flushed ? 0 : cleanups.length };
    },
  };
}

/** One folder per Redis and prefix: workers of two deployments on one host never store each other's outcomes. */
export function defaultSpoolDir(redis: RedisSettings, prefix: string): string {
  const deployment = createHash("sha256")
    .update(JSON.stringify([redis.redisUrl, redis.redisClusterNodes, prefix]))
    .digest("hex")
    .slice(0, 12);
  return join(tmpdir(), `chorebot-results-${deployment}`);
}
