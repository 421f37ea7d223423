import type { PullRequestInfo } from "../run-types.js";
import { countApprovals } from "./count-approvals.js";
import { associationLookup } from "./merged-pull-requests.js";
import type { GitHubClient } from "./octokit.js";
import { readRepoEntry } from "./read-file-at-commit.js";

const GITHUB_COMMITTER = "noreply@github.com";

/**
 * How one version of a repository file came to be on the default branch: the merged pull
 * request whose head had exactly this version, with the approvals of that head as GitHub's
 * required reviews count them; or why no reviewed pull request stands behind it. The
 * repository's approval rule (how many) is applied by the reader, so a verdict stays true
 * whatever the rule becomes.
 */
export type FileVerdict =
  | { kind: "pull"; commit: string; pullRequest: PullRequestInfo; headSha: string; approvedBy: string[]; notCounted: string[] }
  /** `lasting`: false when GitHub may still name the pull request later (it lags after a merge): not worth remembering. */
  | { kind: "refused"; commit: string; reason: string; lasting: boolean };

interface Options {
  /** How long to keep asking about a commit GitHub made but names no pull request for yet. */
  waitMs: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Judges `path` as it is (`blob`) at `head` of the default branch: the last commit that changed
 * it (GitHub's list of commits for a path, which follows a merge back to the side it took the
 * file from), the pull requests GitHub associates with that commit that were merged into the
 * default branch, and among those the ones whose head had this very blob. A direct push, an
 * edit in a merge commit or after the review leave no such pull request.
 */
export async function judgeFileChange(
  octokit: GitHubClient,
  at: { owner: string; repo: string; defaultBranch: string; head: string; path: string; blob: string },
  options: Options,
): Promise<FileVerdict> {
  const repo = { owner: at.owner, repo: at.repo };
  const { data } = await octokit.rest.repos.listCommits({ ...repo, sha: at.head, path: at.path, per_page: 1 });
  const last = data[0];
  if (!last) throw new Error(`GitHub lists no commit that changed ${at.path} up to ${at.head}`);
  const commit = last.sha;
  const short = commit.slice(0, 7);
  const madeByGitHub = last.commit.committer?.email === GITHUB_COMMITTER;

  const associations = associationLookup(octokit, repo);
  const mergedHere = (pulls: Awaited<ReturnType<typeof associations.ask>>) =>
    pulls.filter((pull) => pull.merged_at !== null && pull.base.ref === at.defaultBranch);
  let pulls = mergedHere(await associations.ask(commit));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  // Right after a merge GitHub may not name the pull request of a commit it made yet.
  for (let waited = 0, delay = 250; pulls.length === 0 && madeByGitHub && waited < options.waitMs; delay *= 2) {
    const pause = Math.min(delay, options.waitMs - waited);
    await sleep(pause);
    waited += pause;
    pulls = mergedHere(await associations.askAgain(commit));
  }
  if (pulls.length === 0) {
    const reason = `${at.path} last changed in ${short}, which no pull request merged into ${at.defaultBranch} (a direct push)`;
    return { kind: "refused", commit, reason, lasting: !madeByGitHub };
  }

  const atHeads = await Promise.all(pulls.map((pull) => readRepoEntry(octokit, { ...repo, commit: pull.head.sha, path: at.path })));
  const reviewed = pulls.filter((_, i) => {
    const entry = atHeads[i]!;
    return entry.kind === "file" && entry.sha === at.blob;
  });
  if (reviewed.length === 0) {
    const numbers = pulls.map((pull) => `#${pull.number}`).join(", ");
    const reason = `${at.path} as changed in ${short} is not the version the head of pull request ${numbers} had: it changed after the review`;
    return { kind: "refused", commit, reason, lasting: true };
  }
  const counts = await Promise.all(
    reviewed.map((pull) => countApprovals(octokit, { ...repo, number: pull.number, author: pull.user?.login ?? "", headSha: pull.head.sha })),
  );
  // The pull request with the most approvals that count speaks for the file.
  let best = 0;
  counts.forEach((count, i) => {
    if (count.approvedBy.length > counts[best]!.approvedBy.length) best = i;
  });
  const pull = reviewed[best]!;
  return {
    kind: "pull",
    commit,
    pullRequest: { number: pull.number, url: pull.html_url, author: pull.user?.login ?? "", title: pull.title },
    headSha: pull.head.sha,
    approvedBy: counts[best]!.approvedBy,
    notCounted: counts[best]!.notCounted,
  };
}
