import type { GitHubClient } from "./octokit.js";

/** What became of auto-merge on a cleanup pull request. */
export type AutoMerge = "enabled" | "not_allowed" | "failed";

// `method` is reserved by octokit.graphql (it would become the HTTP method), hence `mergeMethod`.
const ENABLE_AUTO_MERGE = `mutation($id: ID!, $mergeMethod: PullRequestMergeMethod!) {
  enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: $mergeMethod }) { pullRequest { number } }
}`;

/**
 * Asks GitHub to merge the pull request once its requirements (reviews, checks) are met,
 * when the repository allows auto-merge. Best effort: the pull request is what matters, so a
 * GraphQL error (e.g. "Pull request is in clean status", missing permission) is reported as
 * "failed", never thrown. Squash is preferred; a repository that disallows it gets the
 * method it does allow.
 */
export async function enableAutoMerge(octokit: GitHubClient, pr: { owner: string; repo: string; nodeId: string; alreadyEnabled: boolean }): Promise<AutoMerge> {
  if (pr.alreadyEnabled) return "enabled";
  const { data: repository } = await octokit.rest.repos.get({ owner: pr.owner, repo: pr.repo });
  if (repository.allow_auto_merge !== true) return "not_allowed";
  const mergeMethod = repository.allow_squash_merge !== false ? "SQUASH" : repository.allow_merge_commit !== false ? "MERGE" : "REBASE";
  try {
    await octokit.graphql(ENABLE_AUTO_MERGE, { id: pr.nodeId, mergeMethod });
    return "enabled";
  } catch {
    return "failed";
  }
}
