import { hostname } from "node:os";
import { context as traceContext } from "@opentelemetry/api";
import type { Job } from "bullmq";
import type { RunnerConfig } from "../config.js";
import { envRefusal, runOptions } from "../runner/run-options.js";
import { runScript } from "../runner/run-script.js";
import { annotateSpan, runAttributes } from "../telemetry/annotate-span.js";
import { AlreadyRecorded } from "./already-recorded.js";
import { onlyChildValue } from "./children-value.js";
import type { BundleStore } from "../stores/bundle-store.js";
import type { CancelRequest, Cancellations } from "../stores/cancellations.js";
import { cancelledMessage } from "./cancelled-message.js";
import { holderRunId, type ConcurrencyLock } from "../stores/concurrency-lock.js";
import type { ExecutionLedger } from "../stores/execution-ledger.js";
import type { ExecutionResult, IterationReport, RunDecision, ScriptTarget } from "../run-types.js";
import type { ExecuteResult, ExecuteSummary, ProcessResult, RunJobData } from "../pipeline/job-data.js";
import { liveReport } from "./live-report.js";
import { stepRecorder } from "./step-recorder.js";
import { OutputTail } from "./output-tail.js";
import { liveState, writeLiveState } from "../pipeline/live-state.js";
import { processResultOf } from "../pipeline/format-1.js";
import { notRun } from "./not-run.js";
import type { SpooledOutcome } from "../stores/result-spool.js";
import { takeTurn } from "./take-turn.js";
import { StepError } from "./step-error.js";
import type { Freezes } from "../stores/freezes.js";
import { waitWhileFrozen } from "./wait-while-frozen.js";
import type { RawInputs, RunInputs } from "../stores/run-inputs.js";
import { writeInputFiles, type WrittenInputFiles } from "./input-files.js";
import type { CommandReplies, RunningReply } from "../notify/command-reply.js";
import type { RollbackTimes } from "../pipeline/rollback-times.js";
import type { ParkedRuns } from "../stores/parked-runs.js";
import type { RunSegment, RunSegments } from "../stores/run-segments.js";
import { pickUp, ranBefore, type Continuation } from "./continue-run.js";
import { approvalsGiven, parkForApproval, parkWaiting } from "./park-waiting.js";
import { parkPaused } from "./park-paused.js";
import { parkInterrupted } from "./park-interrupted.js";
import { iterationStop } from "./iteration-stop.js";
import { checkpointRecorder } from "./checkpoint-recorder.js";
import { joinedOutput } from "./joined-output.js";
import { iterationOnly } from "./lost-execution.js";
import { mergeReportLogs } from "../runlog/merge-report-logs.js";

export interface ExecuteDeps {
  runner: RunnerConfig;
  /** The app's own credentials: redacted from what a script prints too, since it could read them from its parent. */
  appSecrets: readonly string[];
  ledger: ExecutionLedger;
  bundles: BundleStore;
  /** The locks behind a script's declared `concurrency`, shared by every worker on the Redis. */
  locks: ConcurrencyLock;
  /** Aborted when the worker shuts down and the grace period is over. */
  shutdown: AbortSignal;
  /** People's requests to cancel a run, from the API or `chorebot cancel`, on any host. */
  cancellations: Pick<Cancellations, "cancelledBy" | "signalFor" | "clear">;
  /** Records an attempt's outcome (and queues a retry's cleanup), waiting on disk while Redis cannot. */
  keep(entry: SpooledOutcome): Promise<void>;
  /** Resolves once Redis has room to record the run's start and result; throws if it never will in time. */
  roomToRecord(job: Job<RunJobData>): Promise<void>;
  /** Freezes set during an incident: a run they cover waits without starting. Absent: nothing is ever frozen. */
  freezes?: Pick<Freezes, "frozenFor">;
  /** Why a person's retry must not start (its attempt's log is already committed), or null; a chore run's log path needs its `runId`. */
  retryRefusal(target: ScriptTarget, attempt: number, runId: string): Promise<string | null>;
  /** The raw inputs of chore runs. Absent: a chore run is refused (this worker cannot read what it was given). `persist`: kept while the run is parked. */
  inputs?: Pick<RunInputs, "load"> & Partial<Pick<RunInputs, "persist">>;
  /**
   * Parked runs: a workflow waiting at a `waitFor`, a run waiting for its approvals, an
   * interrupted one (see ParkedRuns). Absent: approvals and waits are not supported here, and
   * a script that asks for them is refused.
   */
  parked?: {
    runs: Pick<ParkedRuns, "read" | "park" | "decide" | "payload" | "deliver" | "delivered" | "clear" | "decisions" | "pauseRequest" | "clearPauseRequest">;
    /** The output of a parked run's earlier processes, for its final log. */
    segments: Pick<RunSegments, "add" | "all">;
    /** Gives back the attempt BullMQ counts for a retry that changed nothing (an interrupted run retried without a decision). */
    uncount(job: Job<RunJobData>): Promise<void>;
    /** How often a waiting run looks at its record again (default PARK_RECHECK_MS). */
    recheckMs?: number;
  };
  /** Where the kill grace of each running script is counted, so the worker's shutdown waits for a workflow's rollbacks. Absent: not counted. */
  rollbackTimes?: Pick<RollbackTimes, "track">;
  /** The `/chorebot` reply of a run started by a comment: edited to running, then with its progress. Absent: not edited. */
  replies?: Pick<CommandReplies, "started">;
}

/**
 * Step 2: run the bundle once in a child process. Whatever the script does (throws, exits
 * non-zero, hangs) is a result to record, never a job failure, so BullMQ has nothing to
 * retry; this queue is also configured never to retry on its own.
 */
export function executeStep(deps: ExecuteDeps) {
  const execute = async (job: Job<RunJobData>, token?: string): Promise<ExecuteSummary> => {
    // One attempt per time this job ends (BullMQ counts them; waiting for a lock is not one),
    // so every execution has its own number, log path and cleanup job. The merge's flow
    // cleanup records attempt 1; any later one is a person's retry and is recorded here,
    // whichever way it ends.
    const attempt = job.attemptsMade + 1;
    const { runId, target } = job.data;
    // What a script did is kept until Redis has stored it, however long that takes: its log must land.
    // Who asked, approved, signalled or decided, read before the script starts: once it has run, its
    // outcome goes to the spool at once even with Redis gone, and must not wait on a read.
    let decided: RunDecision[] | undefined;
    // A pause its checkpoints found after `decided` was read (one asked during its last batch comes too late): its record has it too.
    let pauseSeen: RunDecision | null = null;
    const keep = async (result: Omit<ExecuteResult, "runner" | "attempt">, finished: boolean): Promise<ExecuteSummary> => {
      const known = decided ?? (await deps.parked?.runs.decisions(runId)) ?? [];
      const seen = pauseSeen;
      const decisions = seen === null || known.some((d) => d.kind === "pause" && d.at === seen.at && d.by === seen.by) ? known : [...known, seen];
      const execution = decisions.length > 0 ? { ...result.execution, decisions } : result.execution;
      const recorded: ExecuteResult = { ...result, execution, runner: hostname(), attempt };
      await deps.keep({ data: job.data, outcome: recorded, finished });
      // A run with its result is over, however it got there (a cancel that came with an approval, inputs gone):
      // no longer parked, or retention would keep it forever and a decision could still be taken on it.
      // A pause still asked of it (it ended before it started) is answered. (Every way out of being parked
      // is a decision, and every pause is recorded as one: a run without any was never parked nor asked.)
      if (finished && decisions.length > 0) await deps.parked?.runs.clear(runId, { ended: true });
      const { status, exitCode, durationMs, message } = recorded.execution;
      return { attempt, runner: recorded.runner, status, exitCode, durationMs, message };
    };
    const record = (result: Omit<ExecuteResult, "runner" | "attempt">) => keep(result, false);
    const finish = (result: Omit<ExecuteResult, "runner" | "attempt">) => keep(result, true);
    const processed = processResultOf(await onlyChildValue<ProcessResult>(job));
    // The dashboard only retries failed jobs; this holds however a finished job got here.
    if (processed.alreadyHandled !== null) {
      return finish({ process: processed, execution: notRun({ status: "refused", message: processed.alreadyHandled, detail: null }) });
    }
    const [{ resultAttempt }, committed] =
      attempt > 1 ? await Promise.all([deps.ledger.read(runId), deps.retryRefusal(target, attempt, runId)]) : [{ resultAttempt: 0 }, null];
    if (committed !== null) {
      // Redis forgot this attempt (a restored backup): its log is the record, and stays as it is.
      await job.log(`attempt ${attempt}: not run: ${committed}`);
      return { attempt, runner: hostname(), status: "refused", exitCode: null, durationMs: 0, message: committed };
    }
    if (resultAttempt > 0) {
      const message = `this run already has a result (attempt ${resultAttempt}); a finished run never runs again`;
      await job.log(`attempt ${attempt}: refused: ${message}`);
      return record({ process: processed, execution: notRun({ status: "refused", message, detail: null }) });
    }
    if (processed.problem) return finish({ process: processed, execution: notRun(processed.problem) });
    // A script that asks for a variable this server does not allow never starts without it.
    const envProblem = envRefusal(processed.description, deps.runner.scriptEnv);
    if (envProblem !== null) {
      await job.log(`attempt ${attempt}: refused: ${envProblem}`);
      return finish({ process: processed, execution: notRun({ status: "refused", message: envProblem, detail: null }) });
    }
    // A parked run picked up again: undecided, it waits on (pickUp throws); decided, it goes on or ends here.
    const picked: Continuation | null = deps.parked
      ? await pickUp(
          { parked: deps.parked.runs, cancellations: deps.cancellations, uncount: () => deps.parked!.uncount(job) },
          { job, token, attempt, ledger: () => deps.ledger.read(runId), ...(deps.parked.recheckMs === undefined ? {} : { recheckMs: deps.parked.recheckMs }) },
        )
      : null;
    // A parked run that ends here, without going on, keeps what its earlier processes did for its log.
    const endedParked = async (ended: ExecutionResult): Promise<ExecutionResult> =>
      picked === null || !deps.parked
        ? ended
        : whatRanBefore(ended, {
            segments: await deps.parked.segments.all(runId),
            iteration: processed.description?.iteration ? ((await deps.ledger.read(runId)).iteration?.report ?? null) : null,
            outputLimit: deps.runner.outputLimit,
          });
    if (picked?.kind === "end") {
      const execution = await endedParked(notRun({ status: picked.status, message: picked.message, detail: null }));
      await job.log(`attempt ${attempt}: ${execution.message}`);
      await writeLiveState(job, liveState(attempt));
      return finish({ process: processed, execution });
    }
    const continued = picked?.kind === "continue" ? picked : null;
    // An iteration going on from its checkpoint (after a pause, or a person's Resume).
    const iterating = picked?.kind === "iterate" ? picked : null;
    const iteration = processed.description?.iteration ?? null;
    // Cancelled while it waited: it never runs. (A workflow going on after a wait is cancelled by rolling back: see pickUp.)
    // A resumed run's message says what its earlier processes did: they ran.
    const early = continued ? null : await deps.cancellations.cancelledBy(runId);
    if (early) {
      await deps.cancellations.clear(runId);
      const execution = await endedParked(notRun({ status: "cancelled", message: cancelledMessage(early.by, { before: ranBefore(picked) }), detail: null }));
      await job.log(execution.message!);
      await writeLiveState(job, { ...liveState(attempt), cancelledBy: early.by });
      return finish({ process: processed, execution });
    }
    // A freeze holds the run before its bundle is read and its lock taken; a freeze set after
    // this look does not stop it: as far as freezes go, it has started.
    if (deps.freezes) await waitWhileFrozen({ freezes: deps.freezes, job, token, attempt });
    const code = await deps.bundles.load(runId);
    if (code === null) {
      // Nothing to run: a completed process job cannot be retried, so only a new merge can run the script.
      throw new StepError("the script's bundle is no longer in Redis (lost, or removed with the run's records), so it did not start; merge it again to run it");
    }
    // A chore runs with what the person who asked for it gave; without that, it does not run.
    // A merged script with a reviewed inputs file runs with its values (checked in process); others with their defaults.
    let given: RawInputs = { values: processed.reviewedInputs?.values ?? {}, files: {} };
    if (target.chore) {
      const stored = (await deps.inputs?.load(runId)) ?? null;
      if (stored === null) {
        const message = deps.inputs
          ? "its inputs are no longer stored (they are deleted once a run is recorded, and expire if it waits too long), so it did not start; run the chore again from its page"
          : "this worker cannot read chore inputs, so it did not start; run the chore again from its page";
        await job.log(`attempt ${attempt}: refused: ${message}`);
        return finish({ process: processed, execution: notRun({ status: "refused", message, detail: null }) });
      }
      given = stored;
    }
    // Approvals at run time: asked for before anything runs or any lock is taken.
    const approval = processed.description?.approval ?? null;
    if (approval !== null && picked === null) {
      if (!deps.parked) {
        const message = "this script asks for approvals at run time, which this worker cannot take; it did not start";
        await job.log(`attempt ${attempt}: refused: ${message}`);
        return finish({ process: processed, execution: notRun({ status: "refused", message, detail: null }) });
      }
      if (approvalsGiven(await deps.parked.runs.decisions(runId)) < approval.count) {
        await parkForApproval({ deps: { ...deps.parked, inputs: deps.inputs }, job, token, attempt, approval, requestedBy: requesterOf(target, processed) });
      }
    }
    // Plain scripts declare nothing: one run of a script path at a time.
    const mode = processed.description?.concurrency ?? "self";
    const turn = await takeTurn({ locks: deps.locks, job, token, mode, attempt, decided: picked !== null });
    if (turn.refusedBy !== null) {
      // A person's retry while another run holds the lock: recorded like a run, with its own
      // log, and the job fails, so that it can be retried again once that run has finished.
      const execution = notRun({
        status: "refused",
        message: `already running: ${holderRunId(turn.refusedBy)}`,
        detail: `The ${mode} concurrency lock is held by ${turn.refusedBy}; the script did not start. Retry once that run has finished.`,
      });
      await job.log(`attempt ${attempt}: refused: ${execution.message}`);
      await record({ process: processed, execution });
      throw new AlreadyRecorded(execution.message!);
    }
    const cancel = deps.cancellations.signalFor(runId);
    let tail: OutputTail | undefined;
    let files: WrittenInputFiles | undefined;
    let reply: RunningReply | null = null;
    let untrack: (() => void) | undefined;
    // Parked (waiting, paused): the attempt is not over, and a cancel asked meanwhile is the parked run's to take at its next look.
    let parking = false;
    try {
      await cancel.ready;
      // No script starts unless its start and its result can be recorded.
      await deps.roomToRecord(job);
      files = await writeInputFiles(onlyDeclared(processed, given.files, "file"));
      // It goes on now: no longer parked (its decisions stay for its record).
      if (picked !== null) await Promise.all([deps.parked!.runs.clear(runId), writeLiveState(job, liveState(attempt))]);
      // A pause asked before it started (while it was queued, or waited for its lock or a freeze): parked before it starts.
      if (iteration !== null && deps.parked) {
        const request = await deps.parked.runs.pauseRequest(runId);
        if (request !== null) {
          await job.log(`attempt ${attempt}: paused by ${request.by} before it ${iterating ? "went on" : "started"}`);
          parking = true;
          await parkPaused({ deps: { ...deps.parked, inputs: deps.inputs }, job, token, attempt, requestedBy: requesterOf(target, processed), request });
        }
      }
      decided = (await deps.parked?.runs.decisions(runId)) ?? [];
      // Likewise the output of its earlier processes (a workflow that parked): read now, joined once it has run.
      const earlierSegments = (await deps.parked?.segments.all(runId)) ?? [];
      await deps.ledger.start(runId, attempt, hostname());
      await job.log(`attempt ${attempt}: running ${target.path} in ${deps.runner.scriptCwd}`);
      // An iteration's progress shows from where it goes on (rate, ETA and the batch in flight) before its first batch of this process.
      const live = liveReport(job, {
        attempt,
        cancel: cancel.signal,
        ...(iteration === null
          ? {}
          : {
              iteration: {
                batchSize: iteration.batchSize,
                start: iterating ? { seq: iterating.resumption.seq, done: iterating.resumption.done } : null,
                checkpoint: iterating?.record?.checkpoint ?? null,
                total: iterating?.record?.total ?? null,
              },
            }),
      });
      reply = deps.replies?.started(job.data) ?? null;
      // If this worker dies, the run's record keeps what the script printed so far.
      tail = new OutputTail((output) => deps.ledger.saveOutput(runId, attempt, output));
      // Set up as `chorebot run` sets up a local run; a merged SDK script runs with its declared
      // defaults, a chore with what it was given (an upload as the path of its copy here).
      const options = runOptions({
        runner: deps.runner,
        appSecrets: deps.appSecrets,
        description: processed.description,
        inputs: { ...onlyDeclared(processed, given.values, "value"), ...files.paths },
        repositoryTimeoutMs: target.config.timeoutMs,
      });
      if (continued)
        await job.log(
          `attempt ${attempt}: going on from step ${continued.resumption.from}${continued.resumption.rollback ? `, rolling back (${continued.resumption.rollback.reason})` : ""}`,
        );
      if (iterating) {
        const { seq, done } = iterating.resumption;
        await job.log(
          `attempt ${attempt}: going on ${seq === 0 ? "from the start (nothing was checkpointed)" : `from the checkpoint after batch ${seq} (${done} items processed)`}`,
        );
      }
      untrack = deps.rollbackTimes?.track(options.killGraceMs);
      const spawnedAt = performance.now();
      const script = await runScript({
        code,
        ...options,
        // Going on: a fresh process from the resume point, its record numbered on from the earlier one.
        ...(continued ? { resume: continued.resumption } : {}),
        ...(continued?.record && options.workflow ? { workflow: { ...options.workflow, earlier: continued.record } } : {}),
        // An iteration: each batch is checkpointed (and a pause looked for) before the script takes its next item.
        ...(iteration === null ? {} : { iteration: { description: iteration, ...(iterating?.record ? { earlier: iterating.record } : {}) } }),
        ...(iterating ? { resumeIteration: iterating.resumption } : {}),
        ...(iteration === null
          ? {}
          : {
              onBatch: checkpointRecorder({
                save: (checkpoint, report) => deps.ledger.saveCheckpoint(runId, attempt, checkpoint, report),
                pauseRequest: async () => {
                  const request = (await deps.parked?.runs.pauseRequest(runId)) ?? null;
                  // The dashboard learns who asked from the live state: its parked-run view has no decisions.
                  if (request !== null) {
                    live.pauseRequested(request.by);
                    pauseSeen = request;
                  }
                  return request;
                },
              }),
            }),
        onReport: (message) => {
          live.onReport(message);
          if (message.type === "progress") reply?.progress(message.done, message.total);
          // Its log() lines, already redacted, join what it printed in the saved tail: the run's
          // page shows them as they come, and a lost run's record keeps them.
          if (message.type === "log") tail?.add({ t: Math.floor(performance.now() - spawnedAt), stream: "log", text: message.message });
        },
        onLine: (line) => tail?.add(line),
        // A workflow goes on after a step only once its record so far is saved in the run's ledger entry.
        onStep: stepRecorder({ runId, save: (record, resume) => deps.ledger.saveWorkflow(runId, attempt, record, resume), trace: traceContext.active() }),
        signal: AbortSignal.any([deps.shutdown, cancel.signal]),
        cancelledMessage: () =>
          cancel.signal.aborted
            ? cancelledMessage((cancel.signal.reason as CancelRequest).by, "running")
            : "the worker shut down before the script finished; it was stopped after the grace period",
      });
      // Stopped by this worker's shutdown (a deploy), not by a person: bad luck on the worker's side, as a lost worker is, so an iteration is interrupted and goes on at a Resume.
      const ran =
        iteration !== null && script.status === "cancelled" && deps.shutdown.aborted && !cancel.signal.aborted
          ? { ...script, status: "interrupted" as const, message: `${script.message ?? "stopped"}; Resume goes on from its last checkpoint` }
          : script;
      if (ran.status === "waiting") {
        if (!deps.parked) throw new StepError("the workflow waits for a signal, but this worker cannot park runs");
        // Parked: no record yet, the job goes back to `delayed` (this throws DelayedError).
        parking = true;
        await parkWaiting({ deps: { ...deps.parked, inputs: deps.inputs }, job, token, attempt, execution: ran, requestedBy: requesterOf(target, processed) });
      }
      if (ran.status === "paused") {
        if (!deps.parked) throw new StepError("the iteration paused, but this worker cannot park runs");
        const request = await deps.parked.runs.pauseRequest(runId);
        await job.log(`attempt ${attempt}: paused${request ? ` by ${request.by}` : ""} after ${ran.report?.iteration?.checkpoint?.done ?? 0} items`);
        // Parked: no record yet, the job goes back to `delayed` as a wait's does (this throws DelayedError).
        parking = true;
        await parkPaused({
          deps: { ...deps.parked, inputs: deps.inputs },
          job,
          token,
          attempt,
          requestedBy: requesterOf(target, processed),
          request,
          execution: ran,
        });
      }
      const execution = withEarlierSegments(ran, earlierSegments, deps.runner.outputLimit);
      // An iteration that failed or timed out after it started is recorded as such and parked for a
      // person's Resume from its checkpoint: not the run's end, and its job fails so that Resume can retry it.
      if (iteration !== null && deps.parked && iterationStop(execution) !== null) {
        const outcome = { process: processed, execution };
        const summary = await record(outcome);
        await parkInterrupted({ runs: deps.parked.runs, ...(deps.inputs ? { inputs: deps.inputs } : {}) }, job.data, {
          ...outcome,
          runner: summary.runner,
          attempt,
        });
        await Promise.all([live.flush(), job.log(`${execution.status}: ${execution.message ?? ""}; parked: Resume goes on from its last checkpoint`)]).catch(
          () => undefined,
        );
        throw new AlreadyRecorded(`${execution.status}: ${execution.message ?? ""}`);
      }
      // The outcome first: it is the record, kept until Redis takes it. What follows is for
      // people watching, and must not lose the outcome when Redis refuses it.
      const summary = await finish({ process: processed, execution });
      await Promise.all([live.flush(), job.log(`${execution.status}${execution.message ? `: ${execution.message}` : ""}`)]).catch(() => undefined);
      return summary;
    } finally {
      untrack?.();
      // The uploads go with the run, however it ended (a worker's shutdown stops the script first).
      await files?.remove().catch(() => undefined);
      tail?.stop();
      await reply?.stop();
      cancel.dispose();
      if (!parking) await deps.cancellations.clear(runId).catch(() => undefined);
      // A pause is answered however the process ended (it paused, finished first, failed): it stays among the decisions.
      if (iteration !== null) await deps.parked?.runs.clearPauseRequest(runId).catch(() => undefined);
      await turn.lease?.release();
    }
  };
  // The step's span says which run it is and, on every way out, how the attempt ended.
  return async (job: Job<RunJobData>, token?: string): Promise<ExecuteSummary> => {
    annotateSpan(runAttributes(job.data));
    const result = await execute(job, token);
    annotateSpan(runAttributes(job.data, { status: result.status, attempt: result.attempt }));
    return result;
  };
}

/** Who asked for the run (they cannot approve it): a chore run's requester, a merged script's pull request author, nobody for a schedule. */
function requesterOf(target: ScriptTarget, processed: ProcessResult): string | null {
  if (target.chore) return target.chore.request.schedule ? null : target.chore.request.requestedBy;
  return processed.provenance.pullRequest?.author ?? null;
}

/** The last process's result with the output of the earlier ones (a workflow that parked) before it, from the first start. */
function withEarlierSegments(execution: ExecutionResult, segments: RunSegment[], outputLimit: number): ExecutionResult {
  if (segments.length === 0) return execution;
  // Its log() lines go in with its output, where the earlier processes' already are.
  const last = mergeReportLogs(execution.output, execution.report?.logs);
  const startedAt = segments[0]!.startedAt;
  return {
    ...execution,
    startedAt,
    durationMs: Math.max(0, Date.parse(execution.finishedAt) - Date.parse(startedAt)),
    output: joinedOutput(segments, { startedAt: execution.startedAt, output: last }, outputLimit),
    ...(execution.report ? { report: { ...execution.report, logs: [] } } : {}),
  };
}

/**
 * A parked run that ended without going on (a paused iteration cancelled, a Resume cancelled
 * before it went on): the output of the processes that ran, joined as a finished run's is,
 * and an iteration's record so far (how far it got), so its log loses neither.
 */
function whatRanBefore(ended: ExecutionResult, before: { segments: RunSegment[]; iteration: IterationReport | null; outputLimit: number }): ExecutionResult {
  const { segments, iteration } = before;
  const startedAt = segments[0]?.startedAt ?? ended.startedAt;
  return {
    ...ended,
    startedAt,
    durationMs: Math.max(0, Date.parse(ended.finishedAt) - Date.parse(startedAt)),
    output: joinedOutput(segments, { startedAt: ended.finishedAt, output: ended.output, ran: false }, before.outputLimit),
    ...(iteration ? { report: iterationOnly(iteration) } : {}),
  };
}

/**
 * The given entries for the inputs the script declares: a file input takes only an upload and
 * any other only a value, so no value can name a path on this worker.
 */
function onlyDeclared<T>(processed: ProcessResult, given: Record<string, T>, kind: "file" | "value"): Record<string, T> {
  const declared = Object.entries(processed.description?.inputs ?? {});
  return Object.fromEntries(
    declared.flatMap(([name, input]) => ((input.type === "file") === (kind === "file") && Object.hasOwn(given, name) ? [[name, given[name]!]] : [])),
  );
}
