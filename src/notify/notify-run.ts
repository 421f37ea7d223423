import type { GitHubClient } from "../github/octokit.js";
import type { PullRequestComments } from "./pull-request-comments.js";
import { checkRunName, checkRunOutput, type RunNotice } from "./run-notice.js";

export interface RunNotified {
  /** The PR comment, or null when the run has no pull request. */
  commentId: number | null;
  checkRunId: number;
}

/**
 * Tells the merged PR's reviewers how the run went: its section in the pull request's one
 * chorebot comment (see PullRequestComments) and a completed check run `chorebot: <script>`
 * on the merge commit (one per script, showing the latest attempt). Idempotent, so a retried
 * cleanup never posts twice: the check run is found and updated only when it differs.
 *
 * Needs the installation permissions `issues: write` (PR comments are issue comments) and
 * `checks: write`; errors (including 403 for a missing permission) are thrown.
 */
export async function notifyRun(octokit: GitHubClient, comments: PullRequestComments, input: RunNotice, options: NotifyOptions = {}): Promise<RunNotified> {
  const firstTry = options.firstTry ?? false;
  const commentId = input.pullRequest === null ? null : await comments.publish(octokit, input, input.pullRequest.number);
  const checkRunId = await upsertCheckRun(octokit, input, firstTry);
  return { commentId, checkRunId };
}

export interface NotifyOptions {
  /** The cleanup's first try: nothing of this attempt was posted yet, so the first attempt's check run is created without looking. */
  firstTry?: boolean;
}

async function upsertCheckRun(octokit: GitHubClient, input: RunNotice, firstTry: boolean): Promise<number> {
  const { owner, repo } = input.repository;
  const name = checkRunName(input.script);
  const { title, summary, conclusion } = checkRunOutput(input);
  const externalId = `${input.runId}:${input.attempt}`;
  const fields = {
    status: "completed" as const,
    conclusion,
    started_at: input.execution.startedAt,
    completed_at: input.execution.finishedAt,
    details_url: input.log.url,
    external_id: externalId,
    output: { title, summary },
  };

  // Later attempts update the check run of the first one.
  if (firstTry && input.attempt === 1) return (await octokit.rest.checks.create({ owner, repo, name, head_sha: input.commit, ...fields })).data.id;
  const { data } = await octokit.rest.checks.listForRef({ owner, repo, ref: input.commit, check_name: name, filter: "latest", per_page: 100 });
  const existing = data.check_runs.find((run) => run.name === name);
  if (existing === undefined) {
    const { data: created } = await octokit.rest.checks.create({ owner, repo, name, head_sha: input.commit, ...fields });
    return created.id;
  }
  // A late retry of an older attempt's cleanup must not overwrite a newer attempt's outcome.
  const shownAttempt = attemptOf(existing.external_id, input.runId);
  if (shownAttempt !== null && shownAttempt > input.attempt) return existing.id;
  const same =
    existing.status === "completed" &&
    existing.conclusion === conclusion &&
    existing.details_url === fields.details_url &&
    existing.external_id === externalId &&
    existing.output.title === title &&
    existing.output.summary?.replace(/\r\n/g, "\n") === summary;
  if (!same) await octokit.rest.checks.update({ owner, repo, check_run_id: existing.id, ...fields });
  return existing.id;
}

function attemptOf(externalId: string | null, runId: string): number | null {
  if (externalId === null || !externalId.startsWith(`${runId}:`)) return null;
  const attempt = Number(externalId.slice(runId.length + 1));
  return Number.isInteger(attempt) ? attempt : null;
}
