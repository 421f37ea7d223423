import type { ApplicationFunction } from "probot";
import type { CheckSettings } from "./checks/analyze-pull-request.js";
import { handleCheckRunRerequested, handlePullRequest } from "./checks/handle-pull-request.js";
import { handlePush, type QueuePush } from "./github/handle-push.js";
import { handleIssueComment, type ChatOpsDeps } from "./chatops/handle-issue-comment.js";
import { handleRepositoryMoved, handleUninstall, type ForgetRepositories } from "./github/handle-uninstall.js";
import { handlePullRequestReview, type ReviewDeciders } from "./github/handle-pull-request-review.js";
import type { Handler } from "./http/handler.js";
import type { RedisUnavailableError } from "./redis/redis-unavailable-error.js";

/** The Probot app: wires webhook handlers and HTTP routes, nothing else. */
export function chorebotApp(deps: {
  queuePush: QueuePush;
  checks: CheckSettings;
  dashboard: Handler | null;
  runsApi: Handler | null;
  /** The API for automation (GitHub user tokens); added before runsApi, to which it leaves every /api/runs request without a user token. */
  choresApi?: Handler;
  metrics: Handler | null;
  /** The sign-in and the chores pages, when they are served. */
  chores?: Handler[];
  /** `/chorebot` commands in issue and pull request comments (new comments only). */
  chatOps?: ChatOpsDeps;
  /** Approving pull request reviews signal the runs waiting on them. */
  reviews?: ReviewDeciders;
  /** Removes what chorebot keeps of repositories taken out of its installation. */
  forgetRepositories?: ForgetRepositories;
  /** Told when a push could not be queued because Redis refused it (the Redis monitor). */
  onRedisRefused?: (error: RedisUnavailableError) => void;
}): ApplicationFunction {
  return (app, { addHandler }) => {
    app.on("push", handlePush(deps.queuePush, deps.onRedisRefused));
    app.on(["pull_request.opened", "pull_request.synchronize", "pull_request.reopened"], handlePullRequest(deps.checks));
    app.on("check_run.rerequested", handleCheckRunRerequested(deps.checks));
    if (deps.chatOps) app.on("issue_comment.created", handleIssueComment(deps.chatOps));
    if (deps.reviews) app.on("pull_request_review.submitted", handlePullRequestReview(deps.reviews));
    if (deps.forgetRepositories) app.on(["installation.deleted", "installation_repositories.removed"], handleUninstall(deps.forgetRepositories));
    if (deps.forgetRepositories) app.on(["repository.renamed", "repository.transferred"], handleRepositoryMoved(deps.forgetRepositories));
    if (deps.dashboard) addHandler(deps.dashboard);
    if (deps.choresApi) addHandler(deps.choresApi);
    if (deps.runsApi) addHandler(deps.runsApi);
    if (deps.metrics) addHandler(deps.metrics);
    for (const handler of deps.chores ?? []) addHandler(handler);
  };
}
