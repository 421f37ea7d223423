import { ApiError, notFound } from "./api-error.js";
import { paginate, requestedPage } from "./paginate.js";
import type { Schema } from "./openapi.js";
import type { Router } from "./router.js";
import { DOCS, requireRepo } from "./route-helpers.js";
import { diffFile, repository, restCommit } from "./shapes.js";
import { repoApiUrl, repoHtmlUrl, type StandInState } from "./state.js";

const LIST_COMMITS_DOCS = "https://docs.github.com/rest/commits/commits#list-commits";

/** Repository metadata, the list of commits and three-dot compare. */
export function registerRepoRoutes(router: Router, state: StandInState): void {
  const git = state.git;

  router.add("GET", "/repos/:owner/:repo", "installation", "repos/get", (ctx) => {
    requireRepo(state, ctx);
    return { status: 200, body: repository(state) };
  });

  // The history of the branch (or commit) `sha`, newest first; with `path`, only the commits that
  // changed it, as `git log <sha> -- <path>` finds them (a merge that took a side's version as it
  // was is not one of them).
  router.add("GET", "/repos/:owner/:repo/commits", "installation", "repos/list-commits", async (ctx) => {
    requireRepo(state, ctx);
    const wanted = ctx.query.get("sha") || state.defaultBranch;
    const head = await git.resolveCommit(wanted);
    if (!head) throw new ApiError(404, `No commit found for SHA: ${wanted}`, LIST_COMMITS_DOCS);
    const path = ctx.query.get("path")?.replace(/^\/+|\/+$/g, "");
    const shas = path ? await git.revListTouching(head, path) : await git.revList(head);
    const page = paginate(ctx, shas);
    const commits = (await git.readCommits(page.body)).map((commit) => restCommit(state, commit));
    return { status: 200, body: commits, headers: page.headers };
  });

  router.add("GET", "/repos/:owner/:repo/compare/*basehead", "installation", "repos/compare-commits", async (ctx) => {
    requireRepo(state, ctx);
    const basehead = ctx.params.basehead!;
    const separator = basehead.indexOf("...");
    if (separator === -1) throw notFound(DOCS.compare);
    const stripOwner = (side: string) => (side.toLowerCase().startsWith(`${state.owner.toLowerCase()}:`) ? side.slice(state.owner.length + 1) : side);
    const baseName = stripOwner(basehead.slice(0, separator));
    const headName = stripOwner(basehead.slice(separator + 3));
    const base = await git.resolveCommit(baseName);
    const head = await git.resolveCommit(headName);
    if (!base || !head) throw notFound(DOCS.compare);
    const mergeBase = await git.mergeBase(base, head);
    if (!mergeBase) throw new ApiError(404, `No common ancestor between ${baseName} and ${headName}.`, DOCS.compare);

    const aheadShas = await git.revList(head, [base], { reverse: true });
    const behindBy = (await git.revList(base, [head])).length;
    const aheadBy = aheadShas.length;
    const status: Schema<"commit-comparison">["status"] =
      aheadBy === 0 && behindBy === 0 ? "identical" : behindBy === 0 ? "ahead" : aheadBy === 0 ? "behind" : "diverged";

    const [baseCommit, mergeBaseCommit] = await git.readCommits([base, mergeBase]);
    const paged = ctx.query.has("per_page") || ctx.query.has("page");
    // Paged: only the page's commits are read (a long history stays cheap to compare). Unpaged:
    // at most 250, "the last commit in the list is the most recent of the entire comparison".
    const page = paged ? paginate(ctx, aheadShas) : undefined;
    const commitShas = page ? page.body : aheadShas.slice(-250);
    const commits = (await git.readCommits(commitShas)).map((commit) => restCommit(state, commit));
    // At most 300 files, and when paged only on page 1.
    const withFiles = !paged || requestedPage(ctx) === 1;
    const files = withFiles ? (await git.diff(mergeBase, head)).slice(0, 300).map((entry) => diffFile(state, entry, head)) : undefined;
    const html = `${repoHtmlUrl(state)}/compare/${basehead}`;
    const body: Schema<"commit-comparison"> = {
      url: `${repoApiUrl(state)}/compare/${basehead}`,
      html_url: html,
      permalink_url: `${repoHtmlUrl(state)}/compare/${state.owner}:${base.slice(0, 7)}...${state.owner}:${head.slice(0, 7)}`,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      base_commit: restCommit(state, baseCommit!),
      merge_base_commit: restCommit(state, mergeBaseCommit ?? baseCommit!),
      status,
      ahead_by: aheadBy,
      behind_by: behindBy,
      total_commits: aheadBy,
      commits,
      ...(files ? { files } : {}),
    };
    return { status: 200, body, headers: page?.headers };
  });
}
