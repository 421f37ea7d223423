import type { Context } from "probot";
import { analyzePullRequest, type CheckSettings, type PullRequestRef } from "./analyze-pull-request.js";
import { CHECK_NAME, postCheckRun } from "./post-check-run.js";

type PullRequestEvent = "pull_request.opened" | "pull_request.synchronize" | "pull_request.reopened";

/** On a pull request opened, pushed to or reopened: post the `chorebot` check run on its head. */
export function handlePullRequest(settings: CheckSettings) {
  return async (context: Context<PullRequestEvent>): Promise<void> => {
    const { pull_request: pull, repository } = context.payload;
    await check(context, settings, {
      owner: repository.owner.login,
      repo: repository.name,
      number: pull.number,
      headSha: pull.head.sha,
      baseRef: pull.base.ref,
      author: pull.user?.login ?? "",
    });
  };
}

/** "Re-run" on the `chorebot` check run: analyze its pull request again at the same commit. */
export function handleCheckRunRerequested(settings: CheckSettings) {
  return async (context: Context<"check_run.rerequested">): Promise<void> => {
    const { check_run: run, repository } = context.payload;
    if (run.name !== CHECK_NAME) return;
    const number = run.pull_requests[0]?.number;
    if (number === undefined) {
      context.log.info({ headSha: run.head_sha }, "check run re-requested for a commit of no pull request in this repository; ignored");
      return;
    }
    const owner = repository.owner.login;
    const repo = repository.name;
    const { data: pull } = await context.octokit.rest.pulls.get({ owner, repo, pull_number: number });
    await check(context, settings, { owner, repo, number, headSha: run.head_sha, baseRef: pull.base.ref, author: pull.user?.login ?? "" });
  };
}

async function check(context: Context, settings: CheckSettings, pr: PullRequestRef): Promise<void> {
  const report = await analyzePullRequest(context.octokit, pr, settings);
  if (report === null) {
    context.log.debug({ pull: pr.number }, "pull request adds no script; no check run");
    return;
  }
  const id = await postCheckRun(context.octokit, pr, report);
  context.log.info(
    { pull: pr.number, headSha: pr.headSha, checkRun: id, conclusion: report.conclusion, annotations: report.annotations.length },
    `check run posted: ${report.title}`,
  );
}
