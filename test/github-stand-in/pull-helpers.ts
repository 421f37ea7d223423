import { commitOnBranch, DEFAULT_AUTHOR } from "./commit-files.js";
import { isoSeconds } from "./git-parse.js";
import type { GitIdentity } from "./git-repo.js";
import type { PullRequestRecord, ReviewRecord } from "./pull-requests.js";
import type { StandInState } from "./state.js";
import type {
  FileContent,
  MergedPullRequest,
  MergeOpenPullRequestOptions,
  MergePullRequestOptions,
  OpenedPullRequest,
  OpenPullRequestOptions,
} from "./types.js";
import { gitIdentityFor, userId } from "./users.js";

/** The committer GitHub records on merge and squash commits made in the web UI. */
const GITHUB_COMMITTER: GitIdentity = { name: "GitHub", email: "noreply@github.com" };

/**
 * The helpers behind openPullRequest / pushToPullRequest / mergeOpenPullRequest / mergePullRequest:
 * what humans do in the web UI, so branch protection never applies. Callers hold the mutex.
 */

/** A new open PR record (not yet stored) for `headRef` at `headSha` into the default branch. */
export function newPullRecord(
  state: StandInState,
  o: {
    number: number;
    title: string;
    body?: string | null;
    user: string;
    headRef: string;
    headSha: string;
    /** Default: the default branch. */
    baseRef?: string;
    baseSha: string;
    commits: string[];
  },
): PullRequestRecord {
  const now = isoSeconds();
  return {
    number: o.number,
    id: userId(`pull/${state.owner}/${state.repo}/${o.number}`),
    state: "open",
    title: o.title,
    body: o.body ?? null,
    user: o.user,
    headRef: o.headRef,
    headSha: o.headSha,
    baseRef: o.baseRef ?? state.defaultBranch,
    baseSha: o.baseSha,
    mergeCommitSha: null,
    mergedBy: null,
    createdAt: now,
    updatedAt: now,
    mergedAt: null,
    commits: o.commits,
    reviews: [],
    autoMerge: null,
  };
}

function reviewRecords(
  state: StandInState,
  specs: NonNullable<MergePullRequestOptions["reviews"]>,
  headSha: string,
): ReviewRecord[] {
  return specs.map((spec) => ({
    id: state.pulls.nextReviewId(),
    user: spec.user,
    state: spec.state,
    commitId: spec.commitId ?? headSha,
    submittedAt: isoSeconds(),
    body: spec.state === "APPROVED" ? "" : "Please take another look.",
  }));
}

/** Commits the files on the head branch and builds (without storing) the open PR. */
async function preparePull(
  state: StandInState,
  o: OpenPullRequestOptions & { reviews?: MergePullRequestOptions["reviews"] },
): Promise<PullRequestRecord> {
  const git = state.git;
  const baseRef = `refs/heads/${state.defaultBranch}`;
  const baseSha = await git.readRef(baseRef);
  if (!baseSha) throw new Error(`pull request: ${baseRef} does not exist`);
  const number = state.pulls.nextNumber();
  const author = o.author ?? DEFAULT_AUTHOR;
  const headRef = o.head ?? `pr-${number}`;
  const title = o.title ?? `Update ${Object.keys(o.files).join(", ")}`;
  const headSha = await commitOnBranch(state, { branch: headRef, files: o.files, message: title, author });
  const commits = await git.revList(headSha, [baseSha], { reverse: true });
  const record = newPullRecord(state, { number, title, user: author, headRef, headSha, baseSha, commits });
  const specs = o.reviews ?? (o.approvals ?? []).map((login) => ({ user: login, state: "APPROVED" as const }));
  record.reviews = reviewRecords(state, specs, headSha);
  return record;
}

/** Merges `pr` into its base branch with a merge or squash commit and marks it merged. */
async function mergeRecord(state: StandInState, pr: PullRequestRecord, method: "merge" | "squash" | undefined) {
  const git = state.git;
  const baseRef = `refs/heads/${pr.baseRef}`;
  const before = await git.readRef(baseRef);
  if (!before) throw new Error(`merge pull request #${pr.number}: ${baseRef} does not exist`);
  const merged = await git.mergeTrees(before, pr.headSha);
  if (!merged.clean) throw new Error(`merge pull request #${pr.number}: ${pr.headRef} does not merge cleanly into ${pr.baseRef}`);
  const prCommits = await git.revList(pr.headSha, [before], { reverse: true });
  const squash = method === "squash";
  let message: string;
  if (squash) {
    const messages = (await git.readCommits(prCommits)).map((commit) => `* ${commit.message}`);
    message = `${pr.title} (#${pr.number})` + (messages.length > 1 ? `\n\n${messages.join("\n\n")}` : "");
  } else {
    message = `Merge pull request #${pr.number} from ${state.owner}/${pr.headRef}\n\n${pr.title}`;
  }
  const after = await git.commitTree({
    tree: merged.tree,
    parents: squash ? [before] : [before, pr.headSha],
    message,
    author: gitIdentityFor(pr.user),
    committer: GITHUB_COMMITTER,
  });
  if (!(await git.updateRef(baseRef, after, before))) throw new Error(`merge pull request: ${baseRef} moved concurrently`);
  const now = isoSeconds();
  Object.assign(pr, {
    state: "closed",
    baseSha: before,
    mergeCommitSha: after,
    mergedBy: pr.user,
    mergedAt: now,
    updatedAt: now,
    commits: prCommits,
  } satisfies Partial<PullRequestRecord>);
  return { before, after };
}

export async function mergePull(state: StandInState, o: MergePullRequestOptions): Promise<MergedPullRequest> {
  const pr = await preparePull(state, o);
  try {
    const { before, after } = await mergeRecord(state, pr, o.merge);
    return { number: pr.number, before, after, headSha: pr.headSha };
  } finally {
    // Recorded only once merged, as before: a failed merge leaves no PR behind.
    if (pr.mergedAt !== null) state.pulls.add(pr);
  }
}

export async function openPull(state: StandInState, o: OpenPullRequestOptions): Promise<OpenedPullRequest> {
  const pr = await preparePull(state, o);
  state.pulls.add(pr);
  return { number: pr.number, headSha: pr.headSha, baseSha: pr.baseSha, head: pr.headRef };
}

/**
 * Open PRs follow their branches, as on GitHub: head = the head branch tip (moved by pushes through
 * the API too), base = the base branch tip. Synchronous so payload builders can use it.
 */
export function refreshPull(state: StandInState, pr: PullRequestRecord): PullRequestRecord {
  if (pr.state !== "open") return pr;
  const read = (branch: string) => {
    const result = state.git.execSync(["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`], { okCodes: [1, 128] });
    return result.code === 0 ? result.stdout.toString("utf8").trim() : undefined;
  };
  const head = read(pr.headRef);
  const base = read(pr.baseRef);
  if (head && head !== pr.headSha) {
    pr.previousHeadSha = pr.headSha;
    pr.headSha = head;
    pr.updatedAt = isoSeconds();
  }
  if (base) pr.baseSha = base;
  pr.commits = state.git.revListSync(pr.headSha, [pr.baseSha], { reverse: true });
  return pr;
}

function openRecord(state: StandInState, number: number, what: string): PullRequestRecord {
  const pr = state.pulls.get(number);
  if (!pr) throw new Error(`${what}: no pull request #${number}`);
  if (pr.state !== "open") throw new Error(`${what}: pull request #${number} is not open`);
  return pr;
}

export async function pushToPull(state: StandInState, number: number, files: Record<string, FileContent>): Promise<string> {
  const pr = refreshPull(state, openRecord(state, number, "pushToPullRequest"));
  const headSha = await commitOnBranch(state, { branch: pr.headRef, files, author: pr.user });
  const baseSha = (await state.git.readRef(`refs/heads/${pr.baseRef}`)) ?? pr.baseSha;
  Object.assign(pr, {
    previousHeadSha: pr.headSha,
    headSha,
    baseSha,
    commits: await state.git.revList(headSha, [baseSha], { reverse: true }),
    updatedAt: isoSeconds(),
  } satisfies Partial<PullRequestRecord>);
  return headSha;
}

export async function mergeOpenPull(
  state: StandInState,
  number: number,
  o: MergeOpenPullRequestOptions = {},
): Promise<{ before: string; after: string }> {
  // The head branch may have moved through the API (e.g. the app pushed to it).
  const pr = refreshPull(state, openRecord(state, number, "mergeOpenPullRequest"));
  return mergeRecord(state, pr, o.merge);
}
