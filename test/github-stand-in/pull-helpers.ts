import { commitOnBranch, DEFAULT_AUTHOR } from "./commit-files.js";
import { isoSeconds } from "./git-parse.js";
import type { PullRequestRecord, ReviewRecord } from "./pull-requests.js";
import type { StandInState } from "./state.js";
import type { FileContent, MergePullRequestOptions, OpenedPullRequest, OpenPullRequestOptions } from "./types.js";
import { userId } from "./users.js";

/**
 * The helpers behind openPullRequest / pushToPullRequest (and, with merge-pull.ts, mergePullRequest):
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
    rebasedCommits: [],
    reviews: [],
    autoMerge: null,
  };
}

function reviewRecords(state: StandInState, specs: NonNullable<MergePullRequestOptions["reviews"]>, headSha: string): ReviewRecord[] {
  return specs.map((spec) => ({
    id: state.pulls.nextReviewId(),
    user: spec.user,
    state: spec.state,
    commitId: spec.commitId ?? headSha,
    submittedAt: isoSeconds(),
    body: spec.state === "APPROVED" ? "" : "Please take another look.",
  }));
}

/** Commits the files (one commit, then one per `commits` element) on the head branch and builds (without storing) the open PR. */
export async function preparePull(
  state: StandInState,
  o: OpenPullRequestOptions & Pick<MergePullRequestOptions, "reviews" | "commits">,
): Promise<PullRequestRecord> {
  const git = state.git;
  const baseRef = `refs/heads/${state.defaultBranch}`;
  const baseSha = await git.readRef(baseRef);
  if (!baseSha) throw new Error(`pull request: ${baseRef} does not exist`);
  const number = state.pulls.nextNumber();
  const author = o.author ?? DEFAULT_AUTHOR;
  const headRef = o.head ?? `pr-${number}`;
  // `files` is the first commit, unless it is empty and `commits` carry the changes.
  const changes = o.commits?.length && Object.keys(o.files).length === 0 ? o.commits : [o.files, ...(o.commits ?? [])];
  const title = o.title ?? `Update ${[...new Set(changes.flatMap((files) => Object.keys(files)))].join(", ")}`;
  let headSha = baseSha;
  for (const [i, files] of changes.entries()) {
    headSha = await commitOnBranch(state, { branch: headRef, files, message: i === 0 ? title : undefined, author });
  }
  const commits = await git.revList(headSha, [baseSha], { reverse: true });
  const record = newPullRecord(state, { number, title, user: author, headRef, headSha, baseSha, commits });
  const specs = o.reviews ?? (o.approvals ?? []).map((login) => ({ user: login, state: "APPROVED" as const }));
  record.reviews = reviewRecords(state, specs, headSha);
  return record;
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

export function openRecord(state: StandInState, number: number, what: string): PullRequestRecord {
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
