import { Job, type JobType, type Queue } from "bullmq";
import type { Cluster, Redis } from "ioredis";
import { ExecutionLedger, type LedgerEntry } from "../stores/execution-ledger.js";
import { lostOutcome } from "../steps/flow-outcome.js";
import { fullOutcomeOf } from "../pipeline/format-1.js";
import type { CleanupJobData, CleanupResult, ExecuteResult, ExecuteSummary, ProcessResult, RunJobData } from "../pipeline/job-data.js";
import type { QueueName } from "../pipeline/queues.js";
import { cleanupJobId, executeJobId, processJobId } from "../pipeline/run-id.js";
import { RunOutcomes } from "../stores/run-outcomes.js";
import { logUrl } from "../notify/run-notice.js";
import { RUN_STATUSES, type CapturedOutput, type LoggedInput, type OutputLine, type PullRequestInfo, type RunStatus, type RunTrigger } from "../run-types.js";
import { progressOf, readLiveState } from "../pipeline/live-state.js";
import { LIVE_PHASES, runPhase, type LivePhase } from "../pipeline/run-phase.js";
import { idleReason, queuedReason } from "./waiting-reason.js";
import { mergeReportLogs } from "../runlog/merge-report-logs.js";
import { workflowView, type WorkflowView } from "./workflow-view.js";
import { ParkedRuns } from "../stores/parked-runs.js";
import type { RunDecision } from "../run-types.js";
import { withParked, type InterruptedView, type PausedView, type PauseRequestedView, type WaitingView } from "./parked-view.js";
import { iterationViewOfLive, iterationViewOfReport, type IterationView } from "./iteration-view.js";

/** A run's status as the API names it: its final status, or the phase it is in until then. */
export type RunStatusName = RunStatus | LivePhase;
export const STATUS_NAMES: readonly RunStatusName[] = [...RUN_STATUSES, ...LIVE_PHASES];

/** A run as `GET /api/runs/<id>` shows it: its latest attempt. */
export interface RunStatusView {
  id: string;
  status: RunStatusName;
  script: string;
  repository: string;
  commit: string;
  pull_request: PullRequestInfo | null;
  attempt: number;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  exit_code: number | null;
  signal: string | null;
  message: string | null;
  /**
   * Why a `queued` or `waiting` run has not started, in words naming what it waits for (the
   * run before it in its merge, a lock's holder, a freeze, a free worker); null otherwise.
   */
  waiting_reason: string | null;
  /** Where the run log was committed, once it was. */
  log: { path: string; commit: string; url: string | null } | null;
  result: unknown;
  progress: number | null;
  /** The script's last `progress({ done, total })` as it gave it (the total null when it gave none); null before it reported progress. */
  progress_done: number | null;
  progress_total: number | null;
  /** `[REDACTED]` where a number would show a secret. */
  counters: Record<string, number | "[REDACTED]"> | null;
  /** `merge` for a merged script, `ui` for a chore a person ran. */
  trigger: RunTrigger;
  /** Who asked for a chore run (GitHub login); null for a merged script or a scheduled run. */
  requested_by: string | null;
  /** The chore's name; null for a merged script. */
  chore: string | null;
  /** The run's unique name in its repository (`GET /api/runs?name=` finds it by it); null when it was given none. */
  name: string | null;
  /** For a run of a chore's schedule (trigger `schedule`, requested_by null): which occurrence and try it is; absent for other runs. */
  schedule?: ScheduledRunView;
  /** A chore run's inputs as its log shows them (secret ones masked, files by name, size and sha256); null for a merged script. */
  inputs: Record<string, LoggedInput> | null;
  /**
   * The last OUTPUT_TAIL_LINES lines of output, redacted: as saved while the attempt runs,
   * as recorded once it has ended; empty before it starts.
   */
  output: OutputLine[];
  /**
   * For a workflow: its steps, where each stands and every run and rollback so far — as the
   * ledger saved them after each one while the attempt runs (and when it was lost), as
   * recorded once it has ended. Absent for any other script, and before the first step ends.
   */
  workflow?: WorkflowView;
  /** While the run is parked waiting for a signal or approvals (status `waiting`): what for, until when, and the approvals given. */
  waiting?: WaitingView;
  /** While the run is parked after its worker was lost (status `interrupted`): the step, and since when it waits for Resume or Roll back. */
  interrupted?: InterruptedView;
  /**
   * For an iteration: items done (of its total), its rate and ETA while a process of it runs,
   * its last checkpoint and the batch in flight — live while it runs, as the ledger saved them
   * at its last checkpoint while it is paused or interrupted, as recorded once it ended.
   */
  iteration?: IterationView;
  /** While an iteration is paused (status `paused`): since when, and who asked. */
  paused?: PausedView;
  /** While a pause is asked of a running iteration and not yet taken (it stops after its current batch). */
  pause_requested?: PauseRequestedView;
  /** Every decision taken on the run while it was parked, in order; absent when none was. */
  decisions?: RunDecision[];
}

/** One try of one occurrence of a chore's schedule: the occurrence's time (ISO 8601, UTC), and try `attempt` of at most `attempts`. */
export interface ScheduledRunView {
  occurrence_at: string;
  attempt: number;
  attempts: number;
}

/** How many of a run's last output lines its view shows. */
export const OUTPUT_TAIL_LINES = 200;

export type RunQueues = Pick<Record<QueueName, Queue>, "process" | "execute" | "cleanup">;

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 200;
/** How many jobs per state and queue a listing looks at (the newest). */
const SCAN_PER_STATE = 1000;
const SCAN_STATES: JobType[] = ["active", "waiting", "waiting-children", "prioritized", "delayed", "completed", "failed"];
/** How many runs a listing resolves at once. */
const BATCH = 20;

/**
 * Reads runs' statuses from the jobs of the `process`, `execute` and `cleanup` queues (their
 * ids from run-id.ts) and the execution ledger.
 * Only reads: nothing here changes a job.
 */
export class RunStatusReader {
  readonly #queues: RunQueues;
  readonly #ledger: ExecutionLedger | null;
  readonly #outcomes: RunOutcomes | null;
  readonly #baseUrl: string | null;
  readonly #redis: Redis | Cluster | null;
  readonly #parked: ParkedRuns | null;

  /**
   * `redis` (any client on the queues' Redis) lets it read the execution ledger, for the
   * attempt number and start time of a run in progress; `baseUrl` is the GitHub REST API
   * base URL, for the run log's web address.
   */
  constructor(o: { queues: RunQueues; redis?: Redis | Cluster | null | undefined; baseUrl?: string | undefined }) {
    this.#queues = o.queues;
    const prefix = o.queues.execute.opts.prefix ?? "bull";
    this.#redis = o.redis ?? null;
    this.#ledger = this.#redis ? new ExecutionLedger(this.#redis, prefix) : null;
    this.#outcomes = this.#redis ? new RunOutcomes(this.#redis, prefix) : null;
    this.#parked = this.#redis ? new ParkedRuns(this.#redis, prefix) : null;
    this.#baseUrl = o.baseUrl ?? null;
  }

  /** The run `runId` (its latest attempt), or null when no queue knows it; a parked run says what it waits for, and every run the decisions taken on it. */
  async get(runId: string): Promise<RunStatusView | null> {
    const view = await this.#jobsView(runId);
    if (view === null || this.#parked === null) return view;
    const [parked, decisions, pauseRequest] = await Promise.all([
      this.#parked.read(runId),
      this.#parked.decisions(runId),
      view.iteration !== undefined && !view.iteration.finished ? this.#parked.pauseRequest(runId) : null,
    ]);
    return withParked(view, parked, decisions, pauseRequest);
  }

  async #jobsView(runId: string): Promise<RunStatusView | null> {
    const { process, execute, cleanup } = this.#queues;
    const [processJob, executeJob, cleanupJob] = await Promise.all([
      Job.fromId<RunJobData, ProcessResult>(process, processJobId(runId)),
      Job.fromId<RunJobData, ExecuteSummary>(execute, executeJobId(runId)),
      Job.fromId<CleanupJobData, CleanupResult>(cleanup, cleanupJobId(runId, 1)),
    ]);
    const data = cleanupJob?.data ?? executeJob?.data ?? processJob?.data;
    if (!data?.target) return null;
    const { target } = data;
    const [processState, executeState, entry] = await Promise.all([
      processJob ? processJob.getState() : ("unknown" as const),
      executeJob ? executeJob.getState() : ("unknown" as const),
      this.#readLedger(runId),
    ]);
    const processed = processState === "completed" ? (processJob?.returnvalue ?? null) : null;
    const view: RunStatusView = {
      id: runId,
      status: "queued",
      script: target.path,
      repository: `${target.owner}/${target.repo}`,
      commit: target.commit,
      pull_request: processed?.provenance.pullRequest ?? null,
      attempt: 1,
      started_at: null,
      finished_at: null,
      duration_ms: null,
      exit_code: null,
      signal: null,
      message: null,
      waiting_reason: null,
      log: null,
      result: null,
      progress: null,
      progress_done: null,
      progress_total: null,
      counters: null,
      trigger: target.chore ? target.chore.request.trigger : "merge",
      // A schedule is nobody (the log and the result webhook say so too): "schedule" is a login someone may hold.
      requested_by: target.chore?.request.schedule ? null : (target.chore?.request.requestedBy ?? null),
      chore: target.chore?.name ?? null,
      name: target.chore?.request.name ?? null,
      inputs: target.chore?.request.inputs ?? null,
      output: [],
    };
    const scheduled = target.chore?.request.schedule;
    if (scheduled) {
      view.schedule = {
        occurrence_at: new Date(scheduled.occurrenceMs).toISOString(),
        attempt: scheduled.attempt,
        attempts: scheduled.schedule.retries.attempts,
      };
    }

    if (executeState !== "completed" && executeState !== "failed") {
      const phase = runPhase(executeState, "unknown");
      if (phase === "finished") throw new Error("unreachable: execute is not done");
      view.status = phase;
      if (phase === "queued") {
        if (processState === "failed") view.message = `the process step failed: ${processJob?.failedReason ?? "unknown reason"}`;
        view.waiting_reason = await queuedReason(this.#queues, processJob, processState);
        return view;
      }
      const job = executeJob!;
      // The attempt under way: one more than BullMQ has seen end.
      view.attempt = job.attemptsMade + 1;
      // A retried job keeps the state of the attempt before until this one writes its own.
      const live = readLiveState(job.progress);
      const current = live.attempt === null || live.attempt === view.attempt;
      // A paused or resumed iteration: where its last checkpoint left it (the live state is a process's, and it has none now).
      if (entry?.iteration) view.iteration = iterationViewOfReport(entry.iteration.report);
      if (phase === "waiting") {
        view.waiting_reason = (current ? live.waiting : undefined) ?? idleReason(executeState);
        return view;
      }
      // running: the ledger records the start right before the script is spawned.
      const processedOn = job.processedOn ?? 0;
      const startedThisAttempt = entry?.attempt === view.attempt && entry.startedAt !== null;
      view.started_at = startedThisAttempt ? entry.startedAt!.toISOString() : processedOn ? new Date(processedOn).toISOString() : null;
      if (current) {
        view.progress = live.progress;
        view.progress_done = live.done;
        view.progress_total = live.total;
        view.counters = Object.keys(live.counters).length > 0 ? live.counters : null;
        if (live.iteration) view.iteration = iterationViewOfLive(live.iteration);
      }
      if (entry?.output?.attempt === view.attempt) view.output = outputTail(entry.output.output);
      if (entry?.workflow?.attempt === view.attempt) view.workflow = workflowView(entry.workflow.report);
      return view;
    }

    // Execute is done: this attempt is recorded by its cleanup job.
    const returned = executeState === "completed" ? (executeJob?.returnvalue ?? null) : null;
    const attempt = returned?.attempt ?? Math.max(1, executeJob?.attemptsMade ?? 1);
    const recorder = attempt > 1 ? await Job.fromId<CleanupJobData, CleanupResult>(cleanup, cleanupJobId(runId, attempt)) : cleanupJob;
    const recorderState = recorder ? await recorder.getState() : "unknown";
    const recorded = recorderState === "completed" ? (recorder?.returnvalue ?? null) : null;
    // A run an older release executed (format 1): execute returned the whole outcome, a retry's cleanup carried it.
    const handed = fullOutcomeOf(returned) ?? fullOutcomeOf(recorder?.data.outcome);
    const outcome = (await this.#outcomes?.load(runId, attempt)) ?? handed ?? (returned ? null : await this.#lost(runId, executeJob?.failedReason));
    view.attempt = attempt;
    view.pull_request = outcome?.process.provenance.pullRequest ?? view.pull_request;
    // The recorded steps; else what the ledger saved of this attempt (a run lost before a record carried them).
    const steps = outcome?.execution.report?.workflow ?? (entry?.workflow?.attempt === attempt ? entry.workflow.report : undefined);
    if (steps) view.workflow = workflowView(steps);
    const iteration = outcome?.execution.report?.iteration ?? entry?.iteration?.report;
    if (iteration) view.iteration = iterationViewOfReport(iteration);
    if (outcome) {
      const run = outcome.execution;
      view.status = run.status;
      view.started_at = run.startedAt;
      view.finished_at = run.finishedAt;
      view.duration_ms = run.durationMs;
      view.exit_code = run.exitCode;
      view.signal = run.signal;
      view.message = run.message;
      view.result = run.report?.result ?? null;
      const reported = run.report?.progress;
      view.progress = reported ? progressOf(reported.done, reported.total).progress : null;
      view.progress_done = reported?.done ?? null;
      view.progress_total = reported?.total ?? null;
      view.counters = run.report?.counters ?? null;
      view.output = outputTail(mergeReportLogs(run.output, run.report?.logs));
    } else if (returned) {
      view.status = returned.status;
      view.duration_ms = returned.durationMs;
      view.exit_code = returned.exitCode;
      view.message = returned.message;
    }
    if (runPhase(executeState, recorderState) === "recording" || recorded === null) {
      view.status = "recording";
      if (recorderState === "failed") view.message = `recording the run failed: ${recorder?.failedReason ?? "unknown reason"}`;
      return view;
    }
    // A failed execute job's status is the one its cleanup recorded (lost or failed).
    if (!returned) view.status = recorded.status;
    // A push delivered again for a run on record already: nothing was committed this time.
    if (recorded.commit === null) return view;
    view.log = {
      path: recorded.logPath,
      commit: recorded.commit,
      url: this.#baseUrl === null ? null : logUrl(this.#baseUrl, target.owner, target.repo, recorded.commit, recorded.logPath),
    };
    return view;
  }

  /**
   * Runs, most recently queued first, filtered by status (final or live) and script (its
   * path, or the path's end after a `/`). Looks at the newest SCAN_PER_STATE jobs of each
   * state of the three queues, and resolves runs in that order until `limit` matched.
   */
  async list(filter: { status?: RunStatusName | undefined; script?: string | undefined; limit?: number | undefined } = {}): Promise<RunStatusView[]> {
    const limit = Math.min(Math.max(1, filter.limit ?? DEFAULT_LIST_LIMIT), MAX_LIST_LIMIT);
    const { process, execute, cleanup } = this.#queues;
    // Ids only: the jobs themselves carry bundles and outputs, too much to load by the thousand.
    // An execute or process job's id is its run's (run-id.ts); a cleanup job's run is read from
    // its data, for those whose run is not found that way (a retry's own cleanup, mostly).
    const runIds = new Set<string>();
    for (const queue of [execute, process]) {
      for (const id of await queue.getRanges(SCAN_STATES, 0, SCAN_PER_STATE - 1, false)) runIds.add(id);
    }
    const cleanups = (await cleanup.getRanges(SCAN_STATES, 0, SCAN_PER_STATE - 1, false)).filter((id) => !runIds.has(id));
    for (const runId of await this.#runsOfCleanups(cleanups)) runIds.add(runId);
    const wanted = filter.script;
    const candidates = (await this.#summaries([...runIds]))
      .filter((run) => wanted === undefined || run.script === wanted || run.script.endsWith(`/${wanted}`))
      .sort((a, b) => b.queuedAt - a.queuedAt || compare(b.script, a.script) || compare(b.runId, a.runId));
    const found: RunStatusView[] = [];
    for (let i = 0; i < candidates.length && found.length < limit; i += BATCH) {
      const views = await Promise.all(candidates.slice(i, i + BATCH).map((run) => this.get(run.runId)));
      for (const view of views) {
        if (view && (filter.status === undefined || view.status === filter.status) && found.length < limit) found.push(view);
      }
    }
    return found;
  }

  /** The runs the cleanup jobs `ids` record, from their data. */
  async #runsOfCleanups(ids: string[]): Promise<string[]> {
    const { cleanup } = this.#queues;
    if (!this.#redis) {
      const jobs = await Promise.all(ids.map((id) => Job.fromId<CleanupJobData>(cleanup, id)));
      return jobs.flatMap((job) => (typeof job?.data.runId === "string" ? [job.data.runId] : []));
    }
    const pipeline = this.#redis.pipeline();
    for (const id of ids) pipeline.hget(cleanup.toKey(id), "data");
    const replies = (await pipeline.exec()) ?? [];
    return replies.flatMap(([error, data]) => {
      if (error) throw error;
      const runId = typeof data === "string" ? runIdOfData(data) : null;
      return runId === null ? [] : [runId];
    });
  }

  /** When each run was queued and its script (the job name), from its jobs' hashes. */
  async #summaries(runIds: string[]): Promise<{ runId: string; script: string; queuedAt: number }[]> {
    const { process, execute, cleanup } = this.#queues;
    // The first of a run's jobs that is still there says it.
    const jobsOf = (runId: string): [Queue, string][] => [
      [cleanup, cleanupJobId(runId, 1)],
      [execute, executeJobId(runId)],
      [process, processJobId(runId)],
    ];
    if (!this.#redis) {
      const jobs = await Promise.all(
        runIds.map(async (runId) => {
          for (const [queue, id] of jobsOf(runId)) {
            const job = await Job.fromId(queue, id);
            if (job) return job;
          }
          return undefined;
        }),
      );
      return jobs.flatMap((job, i) => (job ? [{ runId: runIds[i]!, script: job.name, queuedAt: job.timestamp }] : []));
    }
    const pipeline = this.#redis.pipeline();
    for (const runId of runIds) for (const [queue, id] of jobsOf(runId)) pipeline.hmget(queue.toKey(id), "name", "timestamp");
    const replies = (await pipeline.exec()) ?? [];
    const perRun = 3;
    return runIds.flatMap((runId, i) => {
      for (let q = 0; q < perRun; q++) {
        const [error, fields] = replies[i * perRun + q] ?? [null, null];
        if (error) throw error;
        const [name, timestamp] = (fields ?? []) as (string | null)[];
        if (name != null && timestamp != null) return [{ runId, script: name, queuedAt: Number(timestamp) }];
      }
      return [];
    });
  }

  async #readLedger(runId: string): Promise<LedgerEntry | null> {
    return this.#ledger ? this.#ledger.read(runId) : null;
  }

  /** What cleanup recorded for a failed execute job of the merge's own attempt (see flowOutcomeReader). */
  async #lost(runId: string, reason: string | undefined): Promise<ExecuteResult | null> {
    if (!this.#ledger) return null;
    try {
      return await lostOutcome(this.#queues, this.#ledger, runId, reason ?? "unknown reason");
    } catch {
      return null;
    }
  }
}

/** The last lines of an output, `log()` lines among them (every text redacted when it was captured). */
function outputTail(output: CapturedOutput): OutputLine[] {
  return output.lines.slice(-OUTPUT_TAIL_LINES).map(({ t, stream, text }) => ({ t, stream, text }));
}

/** The `runId` of a job's JSON data, null when it has none (not a run's job, or not JSON). */
function runIdOfData(text: string): string | null {
  try {
    const data: unknown = JSON.parse(text);
    return typeof data === "object" && data !== null && "runId" in data && typeof data.runId === "string" ? data.runId : null;
  } catch {
    return null;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
