import { ApiError, notFound } from "./api-error.js";
import { paginate } from "./paginate.js";
import type { PullRequestRecord } from "./pull-requests.js";
import type { RouteContext, Router } from "./router.js";
import { DOCS, requireRepo } from "./route-helpers.js";
import { pullRequest, review } from "./shapes.js";
import type { StandInState } from "./state.js";

/** Pull requests (all of them merged — they only come from mergePullRequest), reviews, commit→PR lookup. */
export function registerPullRoutes(router: Router, state: StandInState): void {
  const git = state.git;

  const findPull = (ctx: RouteContext): PullRequestRecord => {
    requireRepo(state, ctx);
    const number = Number(ctx.params.pull_number);
    const pr = Number.isInteger(number) ? state.pulls.get(number) : undefined;
    if (!pr) throw notFound(DOCS.pulls);
    return pr;
  };

  router.add("GET", "/repos/:owner/:repo/commits/:sha/pulls", "installation", async (ctx) => {
    requireRepo(state, ctx);
    const sha = await git.resolveCommit(ctx.params.sha!);
    if (!sha) throw new ApiError(422, `No commit found for SHA: ${ctx.params.sha}`, DOCS.commitPulls);
    return paginate(
      ctx,
      state.pulls.associatedWith(sha).map((pr) => pullRequest(state, pr, false)),
    );
  });

  router.add("GET", "/repos/:owner/:repo/pulls/:pull_number", "installation", async (ctx) => {
    const pr = findPull(ctx);
    // What the PR changes: the three-dot diff from the merge base of base and head to head.
    const mergeBase = (await git.mergeBase(pr.baseSha, pr.headSha)) ?? pr.baseSha;
    const entries = await git.diff(mergeBase, pr.headSha);
    return {
      status: 200,
      body: pullRequest(state, pr, true, {
        additions: entries.reduce((sum, entry) => sum + entry.additions, 0),
        deletions: entries.reduce((sum, entry) => sum + entry.deletions, 0),
        changedFiles: entries.length,
      }),
    };
  });

  router.add("GET", "/repos/:owner/:repo/pulls/:pull_number/reviews", "installation", (ctx) => {
    const pr = findPull(ctx);
    return paginate(
      ctx,
      pr.reviews.map((record) => review(state, pr, record)),
    );
  });
}
