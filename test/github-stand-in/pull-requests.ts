export type ReviewState = "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED";

export interface ReviewRecord {
  id: number;
  user: string;
  state: ReviewState;
  commitId: string;
  submittedAt: string;
  body: string;
}

/** A pull request as the stand-in remembers it (always merged: PRs only exist via mergePullRequest). */
export interface PullRequestRecord {
  number: number;
  id: number;
  title: string;
  body: string | null;
  user: string;
  headRef: string;
  headSha: string;
  baseRef: string;
  /** The base branch tip the PR was merged onto. */
  baseSha: string;
  mergeCommitSha: string;
  mergedBy: string;
  createdAt: string;
  mergedAt: string;
  /** The PR's own commits (head branch minus base), oldest first. */
  commits: string[];
  reviews: ReviewRecord[];
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

  /** PRs "associated with" a commit the way GitHub's commits/:sha/pulls sees it, newest first. */
  associatedWith(sha: string): PullRequestRecord[] {
    return [...this.pulls.values()]
      .filter((pr) => pr.mergeCommitSha === sha || pr.headSha === sha || pr.commits.includes(sha))
      .sort((a, b) => b.number - a.number);
  }
}
