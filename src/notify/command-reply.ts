import type { Logger } from "pino";
import { renderReply, type RunReply } from "../chatops/render-reply.js";
import { githubStatus } from "../github/http-error.js";
import type { GitHubClient } from "../github/octokit.js";
import type { RunJobData } from "../pipeline/job-data.js";
import type { ExecutionResult } from "../run-types.js";
import { mergeReportLogs } from "../runlog/merge-report-logs.js";

/** At most one progress edit of a reply in this long: GitHub counts every edit against the installation's rate. */
export const PROGRESS_EDIT_MS = 10_000;
// How long a finished script waits for its last progress edit to land before the run goes on.
const LAST_EDIT_WAIT_MS = 5_000;

export interface CommandReplyDeps {
  octokitFor(installationId: number): Promise<GitHubClient>;
  /** A run's page on the chores pages, when they are served at a known address; null: the reply names the run's id. */
  runPage(runId: string): string | null;
  log: Pick<Logger, "warn">;
  progressEditMs?: number;
}

/** A running script's reply: its progress, edited in at most every PROGRESS_EDIT_MS. */
export interface RunningReply {
  progress(done: number, total: number | null): void;
  /** No more progress edits; resolves once the one under way landed (or after a short wait). */
  stop(): Promise<void>;
}

/** The run's `/chorebot` reply comment, if it has one (`target.chore.request.comment.replyId`, job data). */
function replyOf(data: RunJobData): { replyId: number; base: Omit<RunReply, "status"> } | null {
  const request = data.target.chore?.request;
  const replyId = request?.comment?.replyId;
  if (!request || replyId == null) return null;
  return { replyId, base: { runId: data.runId, chore: data.target.chore!.name, requestedBy: request.requestedBy, name: request.name, runPage: null } };
}

/**
 * The workers' edits of the reply a `/chorebot run` comment got: running (with its progress)
 * when the script starts, the outcome once its log is committed. Edits only, never a new
 * comment, so a retried cleanup edits the same reply again. A failed edit (403, 404, 5xx) is
 * logged and forgotten: a reply never fails or repeats a run.
 */
export function commandReplies(deps: CommandReplyDeps) {
  const editMs = deps.progressEditMs ?? PROGRESS_EDIT_MS;
  const edit = async (data: RunJobData, replyId: number, run: RunReply): Promise<void> => {
    const { owner, repo, installationId } = data.target;
    try {
      const octokit = await deps.octokitFor(installationId);
      await octokit.rest.issues.updateComment({ owner, repo, comment_id: replyId, body: renderReply({ kind: "run", run }) });
    } catch (error) {
      deps.log.warn({ runId: data.runId, replyId, status: githubStatus(error), err: error }, "could not edit the run's /chorebot reply; the run goes on");
    }
  };

  return {
    /** The script starts: its reply says running. Progress reports follow through the returned handle. */
    started(data: RunJobData): RunningReply | null {
      const reply = replyOf(data);
      if (!reply) return null;
      const runPage = deps.runPage(data.runId);
      let progress: { done: number; total: number | null } | null = null;
      let lastEdit = Date.now();
      let timer: NodeJS.Timeout | null = null;
      let stopped = false;
      let editing = edit(data, reply.replyId, { ...reply.base, runPage, status: "running" });
      const flush = () => {
        timer = null;
        if (stopped) return;
        lastEdit = Date.now();
        const shown = progress;
        editing = editing.then(() => edit(data, reply.replyId, { ...reply.base, runPage, status: "running", progress: shown }));
      };
      return {
        progress(done, total) {
          progress = { done, total };
          if (timer === null && !stopped) timer = setTimeout(flush, Math.max(0, lastEdit + editMs - Date.now())).unref();
        },
        async stop() {
          stopped = true;
          if (timer !== null) clearTimeout(timer);
          let waited: NodeJS.Timeout | undefined;
          await Promise.race([editing, new Promise((resolve) => (waited = setTimeout(resolve, LAST_EDIT_WAIT_MS).unref()))]);
          clearTimeout(waited);
        },
      };
    },

    /** The run is recorded: its reply shows the outcome (`execution` already redacted) and links the committed log. */
    async recorded(data: RunJobData, execution: ExecutionResult, log: { path: string; url: string }): Promise<void> {
      const reply = replyOf(data);
      if (!reply) return;
      await edit(data, reply.replyId, {
        ...reply.base,
        runPage: deps.runPage(data.runId),
        status: execution.status,
        durationMs: execution.durationMs,
        message: execution.message,
        progress: execution.report?.progress ?? null,
        output: mergeReportLogs(execution.output, execution.report?.logs).lines,
        result: execution.report?.result,
        workflow: execution.report?.workflow ?? null,
        log,
      });
    },
  };
}

export type CommandReplies = ReturnType<typeof commandReplies>;
