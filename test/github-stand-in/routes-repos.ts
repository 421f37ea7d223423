import { ApiError, notFound } from "./api-error.js";
import { paginate } from "./paginate.js";
import type { Router } from "./router.js";
import { DOCS, requireRepo } from "./route-helpers.js";
import { diffFile, repository, restCommit } from "./shapes.js";
import { repoApiUrl, repoHtmlUrl, type StandInState } from "./state.js";

/** Repository metadata, three-dot compare, single commits, commit lists and branches. */
export function registerRepoRoutes(router: Router, state: StandInState): void {
  const git = state.git;

  router.add("GET", "/repos/:owner/:repo", "installation", (ctx) => {
    requireRepo(state, ctx);
    return { status: 200, body: repository(state) };
  });

  router.add("GET", "/repos/:owner/:repo/compare/*basehead", "installation", async (ctx) => {
    requireRepo(state, ctx);
    const basehead = ctx.params.basehead!;
    const separator = basehead.indexOf("...");
    if (separator === -1) throw notFound(DOCS.compare);
    const stripOwner = (side: string) =>
      side.toLowerCase().startsWith(`${state.owner.toLowerCase()}:`) ? side.slice(state.owner.length + 1) : side;
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
    const status =
      aheadBy === 0 && behindBy === 0 ? "identical" : behindBy === 0 ? "ahead" : aheadBy === 0 ? "behind" : "diverged";

    const [baseCommit, mergeBaseCommit] = await git.readCommits([base, mergeBase]);
    const paged = ctx.query.has("per_page") || ctx.query.has("page");
    const commitShas = paged ? aheadShas : aheadShas.slice(0, 250);
    const commits = (await git.readCommits(commitShas)).map((commit) => restCommit(state, commit));
    const files = (await git.diff(mergeBase, head)).slice(0, 300).map((entry) => diffFile(state, entry, head));
    const html = `${repoHtmlUrl(state)}/compare/${basehead}`;
    const body = {
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
      files,
    };
    if (!paged) return { status: 200, body };
    const page = paginate(ctx, commits);
    return { status: 200, body: { ...body, commits: page.body }, headers: page.headers };
  });

  router.add("GET", "/repos/:owner/:repo/commits/:ref", "installation", async (ctx) => {
    requireRepo(state, ctx);
    const sha = await git.resolveCommit(ctx.params.ref!);
    if (!sha) throw new ApiError(422, `No commit found for SHA: ${ctx.params.ref}`, DOCS.restCommit);
    const commit = (await git.readCommit(sha))!;
    const entries = await git.diff(commit.parents[0], sha);
    const additions = entries.reduce((sum, entry) => sum + entry.additions, 0);
    const deletions = entries.reduce((sum, entry) => sum + entry.deletions, 0);
    return {
      status: 200,
      body: {
        ...restCommit(state, commit),
        stats: { total: additions + deletions, additions, deletions },
        files: entries.map((entry) => diffFile(state, entry, sha)),
      },
    };
  });

  router.add("GET", "/repos/:owner/:repo/commits", "installation", async (ctx) => {
    requireRepo(state, ctx);
    const start = ctx.query.get("sha") ?? state.defaultBranch;
    const sha = await git.resolveCommit(start);
    if (!sha) throw new ApiError(404, `No commit found for SHA: ${start}`, DOCS.restCommit);
    const path = ctx.query.get("path");
    const args = ["rev-list", sha, "--", ...(path ? [path] : [])];
    const shas = (await git.run(args)).split("\n").filter(Boolean);
    const commits = await git.readCommits(shas);
    return paginate(
      ctx,
      commits.map((commit) => restCommit(state, commit)),
    );
  });

  router.add("GET", "/repos/:owner/:repo/branches/*branch", "installation", async (ctx) => {
    requireRepo(state, ctx);
    const branch = ctx.params.branch!;
    const sha = branch ? await git.readRef(`refs/heads/${branch}`) : undefined;
    if (!sha) throw new ApiError(404, "Branch not found", "https://docs.github.com/rest/branches/branches#get-a-branch");
    const commit = (await git.readCommit(sha))!;
    return {
      status: 200,
      body: {
        name: branch,
        commit: restCommit(state, commit),
        _links: {
          self: `${repoApiUrl(state)}/branches/${branch}`,
          html: `${repoHtmlUrl(state)}/tree/${branch}`,
        },
        protected: false,
        protection: { enabled: false, required_status_checks: { enforcement_level: "off", contexts: [], checks: [] } },
        protection_url: `${repoApiUrl(state)}/branches/${branch}/protection`,
      },
    };
  });
}
