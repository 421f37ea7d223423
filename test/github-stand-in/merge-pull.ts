import { fileEdit } from "./file-edits.js";
import { isoSeconds, type CommitInfo } from "./git-parse.js";
import { TreeEditError, type GitIdentity, type GitRepo, type TreeEdit } from "./git-repo.js";
import { openRecord, preparePull, refreshPull } from "./pull-helpers.js";
import type { PullRequestRecord } from "./pull-requests.js";
import type { StandInState } from "./state.js";
import type { FileContent, MergedPullRequest, MergeOpenPullRequestOptions, MergePullRequestOptions } from "./types.js";
import { gitIdentityFor } from "./users.js";

/** The committer GitHub records on merge and squash commits made in the web UI. */
const GITHUB_COMMITTER: GitIdentity = { name: "GitHub", email: "noreply@github.com" };

/** An ISO date as git's "<seconds> +0000" (what commitTree writes without asking git). */
function gitDate(iso: string): string {
  return `${Math.floor(Date.parse(iso) / 1000)} +0000`;
}

/** `tree` with `files` applied on top (see FileContent). */
async function editTree(git: GitRepo, tree: string, files: Record<string, FileContent>, what: string): Promise<string> {
  try {
    const edits: TreeEdit[] = [];
    for (const [path, content] of Object.entries(files)) edits.push(await fileEdit(git, path, content));
    return await git.buildTree(tree, edits);
  } catch (error) {
    if (error instanceof TreeEditError) throw new Error(`${what}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** The merge or squash commit: the three-way merge of base and head, plus (merge only) the merge commit's own changes. */
async function mergeCommit(
  state: StandInState,
  pr: PullRequestRecord,
  before: string,
  prCommits: CommitInfo[],
  squash: boolean,
  extra: Record<string, FileContent> | undefined,
): Promise<string> {
  const git = state.git;
  const merged = await git.mergeTrees(before, pr.headSha);
  if (!merged.clean) throw new Error(`merge pull request #${pr.number}: ${pr.headRef} does not merge cleanly into ${pr.baseRef}`);
  const tree = extra ? await editTree(git, merged.tree, extra, `merge pull request #${pr.number}: mergeCommitFiles`) : merged.tree;
  let message: string;
  if (squash) {
    const messages = prCommits.map((commit) => `* ${commit.message}`);
    message = `${pr.title} (#${pr.number})` + (messages.length > 1 ? `\n\n${messages.join("\n\n")}` : "");
  } else {
    message = `Merge pull request #${pr.number} from ${state.owner}/${pr.headRef}\n\n${pr.title}`;
  }
  return git.commitTree({
    tree,
    parents: squash ? [before] : [before, pr.headSha],
    message,
    author: gitIdentityFor(pr.user),
    committer: GITHUB_COMMITTER,
  });
}

/**
 * GitHub's "Rebase and merge": each PR commit replayed onto the base tip in order (a cherry-pick:
 * its own change, three-way merged), keeping author and message, committed anew by the merger.
 * Returns the new commits, oldest first.
 */
async function rebaseCommits(state: StandInState, pr: PullRequestRecord, onto: string, prCommits: CommitInfo[]): Promise<string[]> {
  const git = state.git;
  const what = `rebase merge of pull request #${pr.number}`;
  if (prCommits.length === 0) throw new Error(`${what}: no commits to rebase`);
  const committer = gitIdentityFor(pr.user);
  const rebased: string[] = [];
  let tip = onto;
  for (const commit of prCommits) {
    const [parent, ...more] = commit.parents;
    if (!parent || more.length > 0) throw new Error(`${what}: ${commit.sha} is a merge or root commit`);
    const [tipCommit, parentCommit] = await git.readCommits([tip, parent]);
    let tree = commit.tree;
    if (tipCommit!.tree !== parentCommit!.tree) {
      // The change parent→commit applied to the tip: merge the commit with a stand-in for the tip whose
      // only parent is `parent`, so that `parent` is the merge base (merge-tree before git 2.40 takes no --merge-base).
      const tipOnParent = await git.commitTree({ tree: tipCommit!.tree, parents: [parent], message: "rebase stand-in" });
      const merged = await git.mergeTrees(tipOnParent, commit.sha);
      if (!merged.clean) throw new Error(`${what}: ${commit.sha} does not apply cleanly onto ${pr.baseRef}`);
      tree = merged.tree;
    }
    tip = await git.commitTree({
      tree,
      parents: [tip],
      message: commit.message,
      author: { name: commit.author.name, email: commit.author.email, date: gitDate(commit.author.date) },
      committer: { ...committer, date: gitDate(isoSeconds()) },
    });
    rebased.push(tip);
  }
  return rebased;
}

/** Only a merge commit can carry changes of its own. */
function checkMergeOptions(o: MergeOpenPullRequestOptions, what: string): void {
  const method = o.merge ?? "merge";
  if (o.mergeCommitFiles && method !== "merge") {
    throw new Error(`${what}: mergeCommitFiles needs merge "merge" (a ${method} merge makes no merge commit)`);
  }
}

/** Lands `pr` on its base branch the way `o.merge` says and marks it merged (merged by its author). */
async function mergeRecord(state: StandInState, pr: PullRequestRecord, o: MergeOpenPullRequestOptions) {
  const git = state.git;
  const method = o.merge ?? "merge";
  const baseRef = `refs/heads/${pr.baseRef}`;
  const before = await git.readRef(baseRef);
  if (!before) throw new Error(`merge pull request #${pr.number}: ${baseRef} does not exist`);
  const prShas = await git.revList(pr.headSha, [before], { reverse: true });
  const prCommits = await git.readCommits(prShas);
  const rebased = method === "rebase" ? await rebaseCommits(state, pr, before, prCommits) : [];
  const after = rebased.at(-1) ?? (await mergeCommit(state, pr, before, prCommits, method === "squash", o.mergeCommitFiles));
  if (!(await git.updateRef(baseRef, after, before))) throw new Error(`merge pull request: ${baseRef} moved concurrently`);
  const now = isoSeconds();
  Object.assign(pr, {
    state: "closed",
    baseSha: before,
    // For a rebase, GitHub's merge_commit_sha is the commit the base branch was updated to.
    mergeCommitSha: after,
    mergedBy: pr.user,
    mergedAt: now,
    updatedAt: now,
    commits: prShas,
    rebasedCommits: rebased,
  } satisfies Partial<PullRequestRecord>);
  return { before, after };
}

export async function mergePull(state: StandInState, o: MergePullRequestOptions): Promise<MergedPullRequest> {
  checkMergeOptions(o, "mergePullRequest");
  const pr = await preparePull(state, o);
  try {
    const { before, after } = await mergeRecord(state, pr, o);
    return { number: pr.number, before, after, headSha: pr.headSha };
  } finally {
    // Recorded only once merged, as before: a failed merge leaves no PR behind.
    if (pr.mergedAt !== null) state.pulls.add(pr);
  }
}

export async function mergeOpenPull(state: StandInState, number: number, o: MergeOpenPullRequestOptions = {}): Promise<{ before: string; after: string }> {
  checkMergeOptions(o, "mergeOpenPullRequest");
  // The head branch may have moved through the API (e.g. the app pushed to it).
  const pr = refreshPull(state, openRecord(state, number, "mergeOpenPullRequest"));
  return mergeRecord(state, pr, o);
}
