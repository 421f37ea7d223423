import { refreshPull } from "./pull-helpers.js";
import type { PullRequestRecord } from "./pull-requests.js";
import { checkRun, checkSuiteId, issueComment, pullRequest, repository, user } from "./shapes.js";
import { repoApiUrl, repoHtmlUrl, type StandInState } from "./state.js";
import type { CheckRunPayloadRequest, IssueCommentPayloadRequest, PullRequestPayloadRequest } from "./types.js";
import { BOT_LOGIN, nodeId } from "./users.js";
import { retargetTemplateUrls, webhookExample } from "./webhook-examples.js";

/**
 * `pull_request` and `check_run` webhook payloads: the published examples, deep-cloned, with the
 * repository, installation, sender and the PR / check run overwritten with the stand-in's shapes.
 * Synchronous (spawnSync) so callers can pass them straight into sendWebhook.
 */

/** The parts every payload shares: repository (template URLs retargeted), installation, sender. */
function common(state: StandInState, payload: Record<string, unknown>, sender: string) {
  payload.repository = {
    ...retargetTemplateUrls(state, payload.repository as Record<string, unknown>),
    ...repository(state),
    custom_properties: {},
  };
  payload.installation = { id: state.installationId, node_id: nodeId("IN", state.installationId) };
  payload.sender = user(state, sender);
  delete payload.organization;
  delete payload.enterprise;
}

/** The full PR as webhook payloads carry it, with the diff stats GET /pulls/{n} would give. */
function webhookPull(state: StandInState, pr: PullRequestRecord) {
  const git = state.git;
  const mergeBase = git
    .execSync(["merge-base", pr.baseSha, pr.headSha], { okCodes: [1] })
    .stdout.toString("utf8")
    .trim();
  const numstat = git.execSync(["diff-tree", "-r", "-M", "--numstat", mergeBase || pr.baseSha, pr.headSha]).stdout.toString("utf8");
  const lines = numstat.split("\n").filter((line) => line !== "");
  let additions = 0;
  let deletions = 0;
  for (const line of lines) {
    const [added, deleted] = line.split("\t");
    additions += Number(added) || 0;
    deletions += Number(deleted) || 0;
  }
  return pullRequest(state, pr, { additions, deletions, changedFiles: lines.length });
}

export function buildPullRequestPayload(state: StandInState, o: PullRequestPayloadRequest): Record<string, unknown> {
  const record = state.pulls.get(o.number);
  if (!record) throw new Error(`pullRequestPayload: no pull request #${o.number}`);
  const pr = refreshPull(state, record);
  const payload = webhookExample("pull_request", (candidate) => candidate.action === o.action);
  payload.action = o.action;
  payload.number = pr.number;
  payload.pull_request = webhookPull(state, pr);
  if (o.action === "synchronize") {
    payload.before = pr.previousHeadSha ?? pr.baseSha;
    payload.after = pr.headSha;
  } else {
    delete payload.before;
    delete payload.after;
  }
  common(state, payload, o.sender ?? pr.user);
  return payload;
}

export function buildCheckRunPayload(state: StandInState, o: CheckRunPayloadRequest): Record<string, unknown> {
  const run = state.checkRuns.get(o.checkRunId);
  if (!run) throw new Error(`checkRunPayload: no check run ${o.checkRunId}`);
  const pulls = state.pulls
    .all()
    .map((pr) => refreshPull(state, pr))
    .filter((pr) => pr.state === "open" && pr.headSha === run.headSha);
  const payload = webhookExample("check_run", (candidate) => candidate.action === o.action);
  const shaped = checkRun(state, run, pulls);
  const suiteId = checkSuiteId(run);
  const template = (payload.check_run as { check_suite?: Record<string, unknown> }).check_suite ?? {};
  const defaultTip = state.git
    .execSync(["rev-parse", "--verify", "--quiet", `refs/heads/${state.defaultBranch}`], { okCodes: [1, 128] })
    .stdout.toString("utf8")
    .trim();
  const headBranch = pulls[0]?.headRef ?? (defaultTip === run.headSha ? state.defaultBranch : null);
  payload.action = o.action;
  payload.check_run = {
    ...shaped,
    check_suite: {
      ...template,
      id: suiteId,
      node_id: nodeId("CS", suiteId),
      head_branch: headBranch,
      head_sha: run.headSha,
      status: run.status,
      conclusion: run.conclusion,
      url: `${state.apiUrl}/repos/${state.owner}/${state.repo}/check-suites/${suiteId}`,
      before: null,
      after: run.headSha,
      pull_requests: shaped.pull_requests,
      app: shaped.app,
      created_at: run.startedAt,
      updated_at: run.completedAt ?? run.startedAt,
    },
  };
  delete payload.requested_action;
  common(state, payload, o.sender ?? (o.action === "rerequested" ? state.owner : BOT_LOGIN));
  return payload;
}

/**
 * An `issue_comment` payload (created, edited, deleted) for a comment on a pull request's
 * conversation: the published example with this comment, its pull request as the issue
 * GitHub sends (`pull_request` links set), the repository, installation and sender.
 */
export function buildIssueCommentPayload(state: StandInState, o: IssueCommentPayloadRequest): Record<string, unknown> {
  const comment = state.comments.get(o.commentId);
  if (!comment) throw new Error(`issueCommentPayload: no comment ${o.commentId}`);
  const pr = state.pulls.get(comment.issueNumber);
  if (!pr) throw new Error(`issueCommentPayload: comment ${o.commentId} is on no pull request`);
  const payload = webhookExample("issue_comment", (candidate) => candidate.action === o.action);
  const issueApi = `${repoApiUrl(state)}/issues/${pr.number}`;
  const html = `${repoHtmlUrl(state)}/pull/${pr.number}`;
  payload.action = o.action;
  payload.issue = {
    ...(payload.issue as Record<string, unknown>),
    url: issueApi,
    repository_url: repoApiUrl(state),
    labels_url: `${issueApi}/labels{/name}`,
    comments_url: `${issueApi}/comments`,
    events_url: `${issueApi}/events`,
    html_url: html,
    id: pr.id,
    node_id: nodeId("PR", pr.id),
    number: pr.number,
    title: pr.title,
    user: user(state, pr.user),
    labels: [],
    state: pr.state,
    assignee: null,
    assignees: [],
    milestone: null,
    comments: state.comments.on(pr.number).length,
    created_at: pr.createdAt,
    updated_at: pr.updatedAt,
    closed_at: pr.state === "closed" ? (pr.mergedAt ?? pr.updatedAt) : null,
    author_association: "MEMBER",
    body: pr.body,
    pull_request: {
      url: `${repoApiUrl(state)}/pulls/${pr.number}`,
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      merged_at: pr.mergedAt,
    },
  };
  payload.comment = issueComment(state, comment);
  if (o.action === "edited") payload.changes = { body: { from: o.previousBody ?? "" } };
  else delete payload.changes;
  common(state, payload, o.sender ?? comment.user);
  return payload;
}
