import { entryReaderAtCommit, type RepoEntry } from "./read-file-at-commit.js";
import type { GitHubClient } from "./octokit.js";
import type { MergedPullRequest } from "./merged-pull-requests.js";

/**
 * Reads the repository at a pull request's merge commit, accepting only what someone
 * reviewed: each file must be as the pull request's head had it (its reviews cover that) or
 * as the default branch had it before the merge. A merge commit's own edits ("evil merge")
 * are in neither and are refused, naming the file. The three reads go out together, so
 * checking costs requests, not time.
 */
export function reviewedReader(
  octokit: GitHubClient,
  at: { owner: string; repo: string; pullRequest: Pick<MergedPullRequest, "number" | "mergeCommit" | "headSha" | "baseCommit"> },
): (path: string) => Promise<RepoEntry> {
  const { pullRequest: pull } = at;
  const atMerge = entryReaderAtCommit(octokit, { ...at, commit: pull.mergeCommit });
  const atHead = entryReaderAtCommit(octokit, { ...at, commit: pull.headSha });
  const atBase = entryReaderAtCommit(octokit, { ...at, commit: pull.baseCommit });
  return async (path) => {
    const [merged, head, base] = await Promise.all([atMerge(path), atHead(path), atBase(path)]);
    if (merged.kind !== "file") return merged;
    const same = (other: RepoEntry) => other.kind === "file" && other.sha === merged.sha;
    if (same(head) || same(base)) return merged;
    return {
      kind: "refused",
      reason:
        `${path} at ${pull.mergeCommit.slice(0, 7)} is neither the version at the head of pull request #${pull.number} nor the one ` +
        `the default branch had before it merged: the merge commit itself changed it, and nobody reviewed that change`,
    };
  };
}
