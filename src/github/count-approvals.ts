import { isNotFound } from "./http-error.js";
import type { GitHubClient } from "./octokit.js";

/** Permissions whose holders' approvals count (GitHub reports maintain as write). */
const CAN_APPROVE = new Set(["admin", "write"]);

interface Review {
  user: { login: string; type?: string } | null;
  state: string;
  commit_id: string | null;
}

export interface ApprovalCount {
  /** Logins whose approval counts, sorted. */
  approvedBy: string[];
  /** Approvals of the head that do not count, each with why ("@mallory: read access"). */
  notCounted: string[];
}

/**
 * Approvals of a pull request as GitHub's required reviews count them: each reviewer's
 * latest verdict (comments do not withdraw one), on the final head commit, from people with
 * write access or more, never the author's own, never a bot's. Every page of reviews is read.
 */
export async function countApprovals(
  octokit: GitHubClient,
  pull: { owner: string; repo: string; number: number; author: string; headSha: string },
): Promise<ApprovalCount> {
  const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, { owner: pull.owner, repo: pull.repo, pull_number: pull.number, per_page: 100 });
  const { candidates, notCounted } = approvalsOfHead(reviews, pull);
  const permissions = await Promise.all(candidates.map((login) => permissionOf(octokit, pull, login)));
  const approvedBy = candidates.filter((_, i) => CAN_APPROVE.has(permissions[i]!));
  candidates.forEach((login, i) => {
    if (!CAN_APPROVE.has(permissions[i]!)) notCounted.push(`@${login}: ${permissions[i]} access`);
  });
  return { approvedBy, notCounted };
}

/** Reviewers whose latest verdict approves the head, the author and bots set aside with the reason. */
export function approvalsOfHead(reviews: readonly Review[], pull: { author: string; headSha: string }): { candidates: string[]; notCounted: string[] } {
  const latest = new Map<string, Review>();
  for (const review of reviews) {
    if (!review.user || review.state === "COMMENTED" || review.state === "PENDING") continue;
    latest.set(review.user.login, review);
  }
  const candidates: string[] = [];
  const notCounted: string[] = [];
  for (const [login, review] of [...latest].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (review.state !== "APPROVED" || review.commit_id !== pull.headSha) continue;
    if (login === pull.author) notCounted.push(`@${login}: the author`);
    else if (review.user!.type === "Bot" || login.endsWith("[bot]")) notCounted.push(`@${login}: a bot`);
    else candidates.push(login);
  }
  return { candidates, notCounted };
}

async function permissionOf(octokit: GitHubClient, repo: { owner: string; repo: string }, username: string): Promise<string> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner: repo.owner, repo: repo.repo, username });
    return data.permission;
  } catch (error) {
    // 404: not a collaborator (or no longer a user), so no access to count.
    if (isNotFound(error)) return "no";
    throw error;
  }
}
