export type ReviewState = "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED";

export interface ReviewRecord {
  id: number;
  user: string;
  state: ReviewState;
  commitId: string;
  submittedAt: string;
  body: string;
}

/** `auto_merge` as enabled through GraphQL's enablePullRequestAutoMerge. */
export interface AutoMergeRecord {
  mergeMethod: "merge" | "squash" | "rebase";
  /** Login of whoever enabled it (the app's bot for installation tokens). */
  enabledBy: string;
  enabledAt: string;
}

/** A pull request as the stand-in remembers it: open (openPullRequest, POST /pulls) or merged. */
export interface PullRequestRecord {
  number: number;
  id: number;
  state: "open" | "closed";
  title: string;
  body: string | null;
  user: string;
  headRef: string;
  headSha: string;
  /** The head before the latest pushToPullRequest (a synchronize payload's `before`). */
  previousHeadSha?: string;
  baseRef: string;
  /** Merged PRs: the base tip they were merged onto. Open PRs: the base tip when last refreshed. */
  baseSha: string;
  mergeCommitSha: string | null;
  mergedBy: string | null;
  createdAt: string;
  updatedAt: string;
  mergedAt: string | null;
  /** The PR's own commits (head branch minus base), oldest first. */
  commits: string[];
  /** A rebase merge's new commits on the base, oldest first (the last is mergeCommitSha); empty otherwise. */
  rebasedCommits: string[];
  reviews: ReviewRecord[];
  autoMerge: AutoMergeRecord | null;
}

export class PullRequestStore {
  private readonly pulls = new Map<number, PullRequestRecord>();
  private lastNumber = 0;
  private lastReviewId = 80_000_000;

  nextNumber(): number {
    return ++this.lastNumber;
  }

  nextReviewId(): number {
    return ++this.lastReviewId;
  }

  add(record: PullRequestRecord): void {
    this.pulls.set(record.number, record);
  }

  get(number: number): PullRequestRecord | undefined {
    return this.pulls.get(number);
  }

  /** Every PR, newest first. */
  all(): PullRequestRecord[] {
    return [...this.pulls.values()].sort((a, b) => b.number - a.number);
  }

  /** PRs a commit belongs to (merge, squash or rebased commit, head or own commit), newest first. */
  associatedWith(sha: string): PullRequestRecord[] {
    return this.all().filter((pr) => pr.mergeCommitSha === sha || pr.headSha === sha || pr.commits.includes(sha) || pr.rebasedCommits.includes(sha));
  }
}
