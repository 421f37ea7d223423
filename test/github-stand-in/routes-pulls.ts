import { ApiError, notFound, ValidationFailed } from "./api-error.js";
import { paginate } from "./paginate.js";
import { newPullRecord, refreshPull } from "./pull-helpers.js";
import type { PullRequestRecord } from "./pull-requests.js";
import type { RouteContext, Router } from "./router.js";
import { bodyObject, DOCS, notA, requireRepo, requireString } from "./route-helpers.js";
import { diffFile, pullRequest, pullRequestSimple, review } from "./shapes.js";
import type { StandInState } from "./state.js";
import { BOT_LOGIN } from "./users.js";

/**
 * Pull requests (open ones from openPullRequest or POST /pulls, merged ones from the merge helpers),
 * their files and reviews, and commit→PR lookup. Open PRs follow their branches (refreshPull).
 */
export function registerPullRoutes(router: Router, state: StandInState): void {
  const git = state.git;

  const findPull = (ctx: RouteContext, docs: string = DOCS.pulls): PullRequestRecord => {
    requireRepo(state, ctx);
    const number = Number(ctx.params.pull_number);
    const pr = Number.isInteger(number) ? state.pulls.get(number) : undefined;
    if (!pr) throw notFound(docs);
    return refreshPull(state, pr);
  };

  /** "acme:feature" or "feature" → "feature"; another owner's fork → undefined. */
  const branchOf = (value: string): string | undefined => {
    const colon = value.indexOf(":");
    if (colon === -1) return value;
    return value.slice(0, colon).toLowerCase() === state.owner.toLowerCase() ? value.slice(colon + 1) : undefined;
  };

  /** What the PR changes: the three-dot diff from the merge base of base and head to head. */
  const prDiff = async (pr: PullRequestRecord) => {
    const mergeBase = (await git.mergeBase(pr.baseSha, pr.headSha)) ?? pr.baseSha;
    return git.diff(mergeBase, pr.headSha);
  };

  const fullPull = async (pr: PullRequestRecord) => {
    const entries = await prDiff(pr);
    return pullRequest(state, pr, {
      additions: entries.reduce((sum, entry) => sum + entry.additions, 0),
      deletions: entries.reduce((sum, entry) => sum + entry.deletions, 0),
      changedFiles: entries.length,
    });
  };

  router.add("GET", "/repos/:owner/:repo/commits/:sha/pulls", "installation", "repos/list-pull-requests-associated-with-commit", async (ctx) => {
    requireRepo(state, ctx);
    const sha = await git.resolveCommit(ctx.params.sha!);
    if (!sha) throw new ApiError(422, `No commit found for SHA: ${ctx.params.sha}`, DOCS.commitPulls);
    // Right after a merge GitHub has not associated the new commits yet.
    if (state.pullAssociationLag > 0) {
      state.pullAssociationLag--;
      return paginate(ctx, []);
    }
    state.pulls.all().forEach((pr) => refreshPull(state, pr));
    return paginate(
      ctx,
      state.pulls.associatedWith(sha).map((pr) => pullRequestSimple(state, pr)),
    );
  });

  router.add("GET", "/repos/:owner/:repo/pulls", "installation", "pulls/list", (ctx) => {
    requireRepo(state, ctx);
    const wanted = ctx.query.get("state") ?? "open";
    if (!["open", "closed", "all"].includes(wanted)) throw notA("state", wanted, "a member of enum", DOCS.listPulls);
    // GitHub filters on head only in its documented "owner:branch" form and silently ignores a bare branch name.
    const head = ctx.query.get("head")?.includes(":") ? ctx.query.get("head") : null;
    const headBranch = head === null ? undefined : branchOf(head);
    const base = ctx.query.get("base");
    const pulls = state.pulls
      .all()
      .map((pr) => refreshPull(state, pr))
      .filter((pr) => (wanted === "all" || pr.state === wanted) && (head === null || pr.headRef === headBranch) && (base === null || pr.baseRef === base));
    if (ctx.query.get("direction") === "asc") pulls.reverse();
    return paginate(
      ctx,
      pulls.map((pr) => pullRequestSimple(state, pr)),
    );
  });

  router.add("POST", "/repos/:owner/:repo/pulls", "installation", "pulls/create", async (ctx) => {
    requireRepo(state, ctx);
    const body = bodyObject(ctx);
    const docs = DOCS.createPull;
    const title = requireString(body, "title", docs);
    const headInput = requireString(body, "head", docs);
    const baseRef = requireString(body, "base", docs);
    const text = body.body === undefined || body.body === null ? null : body.body;
    if (text !== null && typeof text !== "string") throw notA("body", text, "a string", docs);
    const invalid = (field: string) => new ValidationFailed([{ resource: "PullRequest", field, code: "invalid" }], docs);
    const custom = (message: string) => new ValidationFailed([{ resource: "PullRequest", code: "custom", message }], docs);

    return state.mutex.run(async () => {
      const headRef = branchOf(headInput);
      const headSha = headRef === undefined ? undefined : await git.readRef(`refs/heads/${headRef}`);
      const baseSha = await git.readRef(`refs/heads/${baseRef}`);
      if (!baseSha) throw invalid("base");
      if (!headSha || headRef === undefined) throw invalid("head");
      const existing = state.pulls.all().find((pr) => pr.state === "open" && pr.headRef === headRef && pr.baseRef === baseRef);
      if (existing) throw custom(`A pull request already exists for ${state.owner}:${headRef}.`);
      const commits = await git.revList(headSha, [baseSha], { reverse: true });
      if (commits.length === 0) throw custom(`No commits between ${baseRef} and ${headRef}`);
      const pr = newPullRecord(state, {
        number: state.pulls.nextNumber(),
        title,
        body: text,
        user: BOT_LOGIN,
        headRef,
        headSha,
        baseRef,
        baseSha,
        commits,
      });
      state.pulls.add(pr);
      const created = await fullPull(pr);
      return { status: 201, headers: { location: created.url }, body: created };
    });
  });

  router.add("GET", "/repos/:owner/:repo/pulls/:pull_number", "installation", "pulls/get", async (ctx) => {
    return { status: 200, body: await fullPull(findPull(ctx)) };
  });

  router.add("GET", "/repos/:owner/:repo/pulls/:pull_number/files", "installation", "pulls/list-files", async (ctx) => {
    const pr = findPull(ctx, DOCS.pullFiles);
    const entries = (await prDiff(pr)).slice(0, 3000);
    return paginate(
      ctx,
      entries.map((entry) => diffFile(state, entry, pr.headSha)),
    );
  });

  router.add("GET", "/repos/:owner/:repo/pulls/:pull_number/reviews", "installation", "pulls/list-reviews", (ctx) => {
    const pr = findPull(ctx);
    return paginate(
      ctx,
      pr.reviews.map((record) => review(state, pr, record)),
    );
  });
}
