import type { Provenance } from "../run-types.js";
import type { GitHubClient } from "./octokit.js";

export interface ProvenanceQuery {
  owner: string;
  repo: string;
  commit: string;
  defaultBranch: string;
  requiredApprovals: number;
}

/**
 * A script may run only when `commit` is the merge of a pull request into the default
 * branch that enough people other than its author approved on its final head commit.
 * Anything else comes back with `refusal` set, saying why in words a reviewer understands.
 */
export async function checkProvenance(octokit: GitHubClient, query: ProvenanceQuery): Promise<Provenance> {
  const { owner, repo, commit, defaultBranch } = query;
  const { data: pulls } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: commit });
  const pull = pulls.find(
    (candidate) => candidate.merged_at && candidate.base.ref === defaultBranch && candidate.merge_commit_sha === commit,
  );
  if (!pull) {
    return {
      pullRequest: null,
      approvedBy: [],
      refusal: `commit ${commit.slice(0, 7)} is not the merge of a pull request into ${defaultBranch}; scripts only run after a reviewed pull request is merged`,
    };
  }
  const author = pull.user?.login ?? "";
  const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, { owner, repo, pull_number: pull.number, per_page: 100 });
  const approvedBy = currentApprovers(reviews, { author, headSha: pull.head.sha });
  const pullRequest = { number: pull.number, url: pull.html_url, author, title: pull.title };
  if (approvedBy.length < query.requiredApprovals) {
    return {
      pullRequest,
      approvedBy,
      refusal:
        `pull request #${pull.number} has ${approvedBy.length} approving review(s) on its final commit ` +
        `from someone other than its author @${author}; ${query.requiredApprovals} required`,
    };
  }
  return { pullRequest, approvedBy, refusal: null };
}

interface Review {
  user: { login: string } | null;
  state: string;
  commit_id: string | null;
}

/** Reviewers whose latest verdict is an approval of the head commit, the author excluded. */
export function currentApprovers(reviews: readonly Review[], pull: { author: string; headSha: string }): string[] {
  const latest = new Map<string, Review>();
  for (const review of reviews) {
    // A comment does not withdraw an approval; every other state replaces the previous verdict.
    if (!review.user || review.state === "COMMENTED" || review.state === "PENDING") continue;
    latest.set(review.user.login, review);
  }
  return [...latest.entries()]
    .filter(([login, review]) => login !== pull.author && review.state === "APPROVED" && review.commit_id === pull.headSha)
    .map(([login]) => login)
    .sort();
}
