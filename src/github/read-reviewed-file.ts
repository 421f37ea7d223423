import { entryReaderAtCommit, type RepoEntry } from "./read-file-at-commit.js";
import type { GitHubClient } from "./octokit.js";
import type { MergedPullRequest } from "./merged-pull-requests.js";

/**
 * Reads the repository at a pull request's merge commit, accepting only what someone
 * reviewed: each file must be as the pull request's head had it (its reviews cover that) or
 * as the default branch had it before the merge. A merge commit's own edits ("evil merge")
 * are in neither and are refused, naming the file. `approved` holds blobs already known to
 * be the head's (the entry script, checked when the push was discovered): those cost one
 * read. Other files are read at the merge and the head together, and at the base only when
 * they differ from the head's.
 */
export function reviewedReader(
  octokit: GitHubClient,
  at: {
    owner: string;
    repo: string;
    pullRequest: Pick<MergedPullRequest, "number" | "mergeCommit" | "headSha" | "baseCommit">;
    approved: ReadonlyMap<string, string>;
  },
): (path: string) => Promise<RepoEntry> {
  const { pullRequest: pull } = at;
  const atMerge = entryReaderAtCommit(octokit, { ...at, commit: pull.mergeCommit });
  const atHead = entryReaderAtCommit(octokit, { ...at, commit: pull.headSha });
  const atBase = entryReaderAtCommit(octokit, { ...at, commit: pull.baseCommit });
  const refused = (path: string): RepoEntry => ({
    kind: "refused",
    reason:
      `${path} at ${pull.mergeCommit.slice(0, 7)} is neither the version at the head of pull request #${pull.number} nor the one ` +
      `the default branch had before it merged: the merge commit itself changed it, and nobody reviewed that change`,
  });
  return async (path) => {
    const known = at.approved.get(path);
    if (known !== undefined) {
      const merged = await atMerge(path);
      return merged.kind !== "file" || merged.sha === known ? merged : refused(path);
    }
    const [merged, head] = await Promise.all([atMerge(path), atHead(path)]);
    if (merged.kind !== "file") return merged;
    const same = (other: RepoEntry) => other.kind === "file" && other.sha === merged.sha;
    return same(head) || same(await atBase(path)) ? merged : refused(path);
  };
}
