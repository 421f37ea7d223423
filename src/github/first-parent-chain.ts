import type { GitHubClient } from "./octokit.js";

const PER_PAGE = 100;

/** A commit of the pushed range with its parents, as the compare API lists it. */
export interface RangeCommit {
  sha: string;
  parents: string[];
  /** GitHub itself made it (merge button, squash, rebase, merge queue): its pull request may show up late. */
  madeByGitHub: boolean;
  /** Its committer date (ISO 8601), which dates the folder of the logs of the runs it starts. */
  committedAt: string;
}

/** The pushed head, which GitHub is always asked about, and the chain when history was not rewritten. */
export interface PushedCommits {
  head: RangeCommit;
  /** See firstParentChain; null when the push rewrote the branch's history. */
  chain: RangeCommit[] | null;
}

const GITHUB_COMMITTER = "noreply@github.com";

/**
 * The commits the default branch went through from `before` to `after` (see firstParentChain),
 * with the pushed head on its own for a rewritten history. A push of one merge, squash or
 * commit, the usual case, costs one small request; longer pushes are listed through the
 * compare API.
 */
export async function pushedChain(octokit: GitHubClient, push: { owner: string; repo: string; before: string; after: string }): Promise<PushedCommits> {
  const { data } = await octokit.rest.git.getCommit({ owner: push.owner, repo: push.repo, commit_sha: push.after });
  const head: RangeCommit = {
    sha: data.sha,
    parents: data.parents.map((parent) => parent.sha),
    madeByGitHub: data.committer.email === GITHUB_COMMITTER,
    committedAt: committerDate(data.sha, data.committer),
  };
  if (head.parents[0] === push.before) return { head, chain: [head] };
  return { head, chain: firstParentChain(await listRangeCommits(octokit, push), push.before, push.after) };
}

/** Every commit in `before...after`, across all pages of the compare API (its commit list has no cap when paged). */
async function listRangeCommits(octokit: GitHubClient, push: { owner: string; repo: string; before: string; after: string }): Promise<RangeCommit[]> {
  const page = async (n: number) =>
    (
      await octokit.rest.repos.compareCommitsWithBasehead({
        owner: push.owner,
        repo: push.repo,
        basehead: `${push.before}...${push.after}`,
        per_page: PER_PAGE,
        page: n,
      })
    ).data;
  const first = await page(1);
  const pages = Math.ceil(first.total_commits / PER_PAGE);
  const rest = await Promise.all(Array.from({ length: Math.max(0, pages - 1) }, (_, i) => page(i + 2)));
  return [first, ...rest].flatMap((data) =>
    data.commits.map((commit) => ({
      sha: commit.sha,
      parents: commit.parents.map((parent) => parent.sha),
      madeByGitHub: commit.commit.committer?.email === GITHUB_COMMITTER,
      committedAt: committerDate(commit.sha, commit.commit.committer),
    })),
  );
}

/** GitHub always sends it; its types allow it to be missing, and a run's log path cannot do without it. */
function committerDate(sha: string, committer: { date?: string | undefined } | null | undefined): string {
  if (!committer?.date) throw new Error(`GitHub sent commit ${sha} without a committer date`);
  return committer.date;
}

/**
 * The commits the default branch went through from `before` to `after`, oldest first and
 * `before` excluded: the first-parent line, where merges, squashes and rebased commits land.
 * Null when `after` does not descend from `before` that way (a rewritten history).
 */
export function firstParentChain(commits: readonly RangeCommit[], before: string, after: string): RangeCommit[] | null {
  const bySha = new Map(commits.map((commit) => [commit.sha, commit]));
  const chain: RangeCommit[] = [];
  for (let sha = after; sha !== before;) {
    const commit = bySha.get(sha);
    if (!commit || commit.parents.length === 0) return null;
    chain.unshift(commit);
    sha = commit.parents[0]!;
  }
  return chain;
}
