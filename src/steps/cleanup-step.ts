import type { Job } from "bullmq";
import { commitRunLog, type RunLogCommit, type RunLogResult } from "../github/commit-run-log.js";
import { githubStatus, isForbiddenOrNotFound } from "../github/http-error.js";
import type { GitHubClient } from "../github/octokit.js";
import { createRedactor } from "../runner/redact.js";
import { redactExecution } from "../runner/redact-execution.js";
import { renderRunLog } from "../runlog/render-run-log.js";
import { postRunResult } from "../notify/post-run-result.js";
import { runResultPayload } from "../notify/run-result-payload.js";
import type { PullRequestComments } from "../notify/pull-request-comments.js";
import { notifyRun } from "../notify/notify-run.js";
import { logUrl } from "../notify/run-notice.js";
import { targetLogPath } from "../runlog/target-log-path.js";
import { annotateSpan, runAttributes } from "../telemetry/annotate-span.js";
import type { CleanupJobData, CleanupResult, ExecuteResult } from "../pipeline/job-data.js";
import { cleanupJobId, executeJobId, processJobId } from "../pipeline/run-id.js";
import { failingInWords, inWords, rethrowInWords } from "./step-error.js";
import type { RunInputs } from "../stores/run-inputs.js";
import { iterationStop } from "./iteration-stop.js";
import type { RunNames } from "../stores/run-names.js";
import type { CommandReplies } from "../notify/command-reply.js";
import { digestChange } from "../schedules/digest-step.js";
import { occurrenceIso, releaseOccurrence, scheduledRunEnd, type ScheduledRunEndDeps, type TryRecord } from "../schedules/scheduled-run-end.js";
import { scheduleDigestPath } from "../runlog/run-log-path.js";
import type { ScheduleDigests } from "../stores/schedule-digests.js";

export interface CleanupDeps {
  octokitFor(installationId: number): Promise<GitHubClient>;
  /** Every value the run log, the comment and the result webhook must not show (see valuesToRedact). */
  valuesToRedact: readonly string[];
  /** Counts the finished run for /metrics (at most once per cleanup job). */
  recordFinished?(result: CleanupResult, durationMs: number, jobId: string): Promise<void>;
  /** Where each finished run is posted for other systems, if anywhere. */
  resultWebhook: { url: string; secret: string } | null;
  /** The outcome of the attempt this job records. */
  outcome(job: Job<CleanupJobData>): Promise<ExecuteResult>;
  /** The bundle the run log quotes (null once it is gone). */
  bundle(runId: string): Promise<string | null>;
  /** Told once the attempt is on record (or needed none): retention starts counting. */
  recorded(runId: string, target: CleanupJobData["target"]): Promise<void>;
  /** Told when a run the repository shows as handled before was let go without a record. */
  alreadyHandled(runId: string, reason: string): void;
  /** The one comment per merged pull request that its runs' reports go in. */
  comments: PullRequestComments;
  /** Commits the log (default: commitRunLog); the workers share commits through a RunLogBatcher. */
  commitLog?: (octokit: GitHubClient, change: RunLogCommit) => Promise<RunLogResult>;
  /** The raw inputs of chore runs: dropped once the run is recorded. */
  inputs?: Pick<RunInputs, "drop">;
  /** Run names: a named run's name stays taken for RUN_NAME_TTL once the run is recorded. */
  names?: Pick<RunNames, "ended">;
  /** Edits the `/chorebot` reply of a run started by a comment to its outcome (never throws). Absent: not edited. */
  replies?: Pick<CommandReplies, "recorded">;
  /**
   * What the end of a scheduled try needs (src/schedules/scheduled-run-end.ts): its retry, the
   * schedule's streak and turn, the digest. Absent: a scheduled run is recorded like any chore run.
   */
  schedules?: ScheduledRunEndDeps & { digests: Pick<ScheduleDigests, "add" | "claimOwnLog" | "read" | "committed" | "startWriting"> };
}

/**
 * Step 3: commit the run log and delete the script in one commit (a chore run commits only
 * its log: the chore stays). Runs nothing, so it is retried freely; the log is rendered from
 * the stored execute result, so a retry writes the same bytes to the same path and
 * commitRunLog turns it into a no-op.
 */
export function cleanupStep(deps: CleanupDeps) {
  const redact = createRedactor(deps.valuesToRedact);
  const commitLog = deps.commitLog ?? commitRunLog;
  // Told in words, so the dashboard and /api/runs say what failed, not a stack.
  return failingInWords("recording the run", async (job: Job<CleanupJobData>): Promise<CleanupResult> => {
    const { runId, target } = job.data;
    // BullMQ counts every start, stalled ones included: 1 means no earlier try posted anything.
    const firstTry = job.attemptsStarted <= 1;
    const { process: processed, execution, runner, attempt } = await deps.outcome(job);
    annotateSpan(runAttributes(job.data, { status: execution.status, attempt }));
    const logPath = targetLogPath(target, attempt, runId);
    const chore = target.chore;
    // A chore run's inputs (secret values, uploads) are needed by nothing once it is recorded,
    // and its name is free again RUN_NAME_TTL from now.
    // An interrupted run is not over: a person's Resume or Roll back goes on with what it was given, under its name.
    // Nor is an iteration that failed or timed out after it started: it is parked for a Resume from its checkpoint.
    const over = execution.status !== "interrupted" && !(processed.description?.iteration && iterationStop(execution) !== null);
    const endRun = async () => {
      if (!over) return;
      if (chore) await deps.inputs?.drop(runId);
      if (chore?.request.name !== undefined) await deps.names?.ended(target, chore.request.name, runId);
    };
    if (processed.alreadyHandled !== null) {
      // A redelivery of a run the repository already records: nothing to commit or post.
      await job.log(`nothing recorded: ${processed.alreadyHandled}`);
      deps.alreadyHandled(runId, processed.alreadyHandled);
      await endRun();
      await deps.recorded(runId, target);
      return { script: target.path, logPath, commit: null, status: execution.status, cleanupPullRequest: null };
    }
    const code = processed.problem === null ? await deps.bundle(runId) : null;
    const redacted = redactExecution(execution, redact);
    const log = renderRunLog({
      runId,
      jobIds: { process: processJobId(runId), execute: executeJobId(runId), cleanup: job.id ?? cleanupJobId(runId, attempt) },
      script: target.path,
      repository: `${target.owner}/${target.repo}`,
      commit: target.commit,
      pullRequest: processed.provenance.pullRequest,
      approvedBy: processed.provenance.approvedBy,
      execution: redacted,
      code: code === null ? null : redact(code),
      attempt,
      runner,
      trigger: chore ? chore.request.trigger : "merge",
      ...(chore ? { chore } : {}),
      ...(target.inputsFile && !chore ? { inputsFile: { path: target.inputsFile.path, inputs: processed.reviewedInputs?.logged ?? null } } : {}),
    });
    const octokit = await deps.octokitFor(target.installationId);
    // A scheduled try: retried, committed at once (a streak's start or end) or only in the day's digest.
    // One that is not over commits its attempt's log like any chore run, and keeps the schedule's
    // turn: its occurrence ends (retried, counted, the turn freed) with its last attempt.
    const scheduled = chore?.request.schedule;
    const ending = over ? scheduled : undefined;
    const tryRecord: TryRecord | null =
      ending && deps.schedules
        ? await scheduledRunEnd(deps.schedules, {
            ref: { owner: target.owner, repo: target.repo, chore: chore!.name, schedulerId: ending.schedulerId },
            scheduled: ending,
            runId,
            runAttempt: attempt,
            execution: redacted,
            logPath,
          }).catch(rethrowInWords("recording the end of the scheduled run"))
        : null;
    if (ending && tryRecord !== null && tryRecord.kind !== "commit") {
      return recordedInDigest({ job, deps, target, runId, attempt, execution: redacted, scheduled: ending, tryRecord, endRun });
    }
    // A streak's first failure takes the day's digest so far along: handed to the batcher in the same tick, it goes in the same commit.
    const digestDay = ending ? { schedulerId: ending.schedulerId, day: occurrenceIso(ending).slice(0, 10) } : null;
    // Unless another commit of that day's digest is under way (it stays pending for the flush).
    const doneWriting =
      digestDay && tryRecord?.kind === "commit" && tryRecord.withDigest
        ? await deps.schedules!.digests.startWriting(digestDay.schedulerId, digestDay.day)
        : null;
    const digest = doneWriting ? await digestChange(deps.schedules!, digestDay!, target) : null;
    const digestLanded = digest
      ? commitLog(octokit, digest.change).then(() => deps.schedules!.digests.committed(digestDay!.schedulerId, digestDay!.day, digest.version))
      : null;
    // Let go once it landed or failed, whatever becomes of the run's own log (else it lapses).
    void (digestLanded ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => doneWriting?.())
      .catch(() => undefined);
    // Awaited after the run's own log: a failure here must not go unhandled meanwhile.
    digestLanded?.catch(() => undefined);
    const landed = await commitLog(octokit, {
      owner: target.owner,
      repo: target.repo,
      branch: target.defaultBranch,
      logPath,
      log,
      scriptPath: target.path,
      ...(chore ? { keepScript: true } : {}),
      // A merged script's reviewed inputs file goes in the same commit as the script.
      ...(target.inputsFile && !chore ? { alsoDelete: [target.inputsFile.path] } : {}),
      mode: target.config.cleanup,
      branchName: `chorebot/cleanup-${job.id ?? runId}`,
      since: target.commit,
      // A retry's script went with its first attempt's log: only a first attempt may assume it is there.
      firstTry: firstTry && attempt === 1,
      runId,
      title: `${chore ? (scheduled ? `chore ${chore.name} on its schedule` : `chore ${chore.name} run by @${chore.request.requestedBy}`) : target.path} ${execution.status}${attempt > 1 ? ` (attempt ${attempt})` : ""}`,
    }).catch(rethrowInWords("committing the run log"));
    await digestLanded?.catch(rethrowInWords("committing the schedule's digest"));
    const cleanupPullRequest = landed.kind === "pull_request" ? { number: landed.number, url: landed.url } : null;
    if (landed.kind === "pull_request") await job.log(`${logPath} proposed in pull request #${landed.number} (auto-merge: ${landed.autoMerge})`);
    else await job.log(landed.created ? `committed ${logPath} in ${landed.commit}` : `${logPath} was already committed`);

    // Tell the reviewers on the pull request, and on the merge commit. Idempotent too. A chore
    // run has neither: its record is its log and its page, not a comment on whoever last changed it.
    const baseUrl = octokit.request.endpoint.DEFAULTS.baseUrl;
    if (!chore) {
      try {
        const report = await notifyRun(
          octokit,
          deps.comments,
          {
            runId,
            attempt,
            script: target.path,
            repository: { owner: target.owner, repo: target.repo },
            commit: target.commit,
            pullRequest: processed.provenance.pullRequest,
            approvedBy: processed.provenance.approvedBy,
            execution: redacted,
            log: { path: logPath, commit: landed.commit, url: logUrl(baseUrl, target.owner, target.repo, landed.commit, logPath) },
            cleanupPullRequest,
          },
          { firstTry },
        );
        await job.log(`reported: comment ${report.commentId ?? "none"}, check run ${report.checkRunId}`);
      } catch (error) {
        // An installation that has not accepted the checks/issues permissions answers 403 or
        // 404: the log is committed, so do not fail the run over the report.
        if (!isForbiddenOrNotFound(error)) throw inWords(error, "reporting the run on the pull request");
        await job.log(`could not report the run on GitHub (${githubStatus(error)}); the log is committed`);
      }
    }

    // A run started by a comment: its one reply shows the outcome and the log (an edit, so a retry posts nothing new).
    if (chore) await deps.replies?.recorded(job.data, redacted, { path: logPath, url: logUrl(baseUrl, target.owner, target.repo, landed.commit, logPath) });

    if (deps.resultWebhook) {
      // A failure throws: the job is retried (the commit and comment are no-ops then).
      await postRunResult({
        ...deps.resultWebhook,
        payload: runResultPayload({ runId, attempt, target, execution: redacted, logUrl: logUrl(baseUrl, target.owner, target.repo, landed.commit, logPath) }),
      });
      await job.log(`result posted to ${new URL(deps.resultWebhook.url).origin}`);
    }
    const result: CleanupResult = { script: target.path, logPath, commit: landed.commit, status: execution.status, cleanupPullRequest };
    await deps.recordFinished?.(result, execution.durationMs, job.id ?? runId);
    // The occurrence is over (this try was committed on its own: it is its last): the schedule's next may go.
    if (ending && deps.schedules) await releaseOccurrence(deps.schedules, ending);
    await endRun();
    await deps.recorded(runId, target);
    return result;
  });
}

/**
 * A scheduled try that gets no commit of its own: retried (the digest says so), or an
 * occurrence's last try that only the day's digest records. The result webhook gets an
 * occurrence's final result, pointing at the digest's path (committed once its day is over);
 * the schedule's turn is freed once the occurrence is over; the housekeeping of every run stays.
 */
async function recordedInDigest(o: {
  job: Job<CleanupJobData>;
  deps: CleanupDeps;
  target: CleanupJobData["target"];
  runId: string;
  attempt: number;
  /** Redacted. */
  execution: ExecuteResult["execution"];
  scheduled: NonNullable<NonNullable<CleanupJobData["target"]["chore"]>["request"]["schedule"]>;
  tryRecord: Exclude<TryRecord, { kind: "commit" }>;
  endRun: () => Promise<void>;
}): Promise<CleanupResult> {
  const { job, deps, target, runId, attempt, execution, scheduled, tryRecord } = o;
  const digestPath = scheduleDigestPath({ logsDir: target.config.logsDir, chore: target.chore!.name, at: occurrenceIso(scheduled) });
  if (tryRecord.kind === "retried") {
    await job.log(
      `try ${scheduled.attempt} ${execution.status}: try ${scheduled.attempt + 1} is run ${tryRecord.runId}, in ${tryRecord.delayMs} ms; this one goes to ${digestPath}`,
    );
  } else {
    await job.log(`${execution.status}: recorded in the day's digest, ${digestPath}`);
    if (deps.resultWebhook) {
      const octokit = await deps.octokitFor(target.installationId);
      // Posted once (with postRunResult's own retries), not retried by failing the job: the try
      // is on record, and every occurrence ends here, so a receiver that is down would hold the
      // schedule's turn through each cleanup's retries and leave a failed cleanup (kept for good)
      // per occurrence. A streak's start and end, committed on their own, are still retried.
      const origin = new URL(deps.resultWebhook.url).origin;
      const posted = postRunResult({
        ...deps.resultWebhook,
        payload: runResultPayload({
          runId,
          attempt,
          target,
          execution,
          logUrl: logUrl(octokit.request.endpoint.DEFAULTS.baseUrl, target.owner, target.repo, target.defaultBranch, digestPath),
        }),
      });
      await posted.then(
        () => job.log(`result posted to ${origin}`),
        // Its message names the receiver's origin only.
        (error: unknown) => job.log(`result not posted (the day's digest has the try): ${error instanceof Error ? error.message : String(error)}`),
      );
    }
  }
  const result: CleanupResult = { script: target.path, logPath: digestPath, commit: null, status: execution.status, cleanupPullRequest: null };
  await deps.recordFinished?.(result, execution.durationMs, job.id ?? runId);
  if (tryRecord.kind === "digest") await releaseOccurrence(deps.schedules!, scheduled);
  await o.endRun();
  await deps.recorded(runId, target);
  return result;
}
