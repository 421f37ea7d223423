import { isPullRequestExists } from "./http-error.js";
import type { GitHubClient } from "./octokit.js";

export interface CleanupPullRequest {
  number: number;
  url: string;
  nodeId: string;
  autoMergeEnabled: boolean;
}

/**
 * The open pull request from `head` into `base`: the existing one when there is one (a
 * retried cleanup), otherwise a new one. Never opens a second pull request for the branch,
 * even when two attempts race (GitHub's 422 "A pull request already exists" → reuse).
 */
export async function openCleanupPullRequest(
  octokit: GitHubClient,
  pr: { owner: string; repo: string; head: string; base: string; title: string; body: string },
): Promise<CleanupPullRequest> {
  const existing = await findOpenPullRequest(octokit, pr);
  if (existing) return existing;
  try {
    const { data } = await octokit.rest.pulls.create({
      owner: pr.owner,
      repo: pr.repo,
      head: pr.head,
      base: pr.base,
      title: pr.title,
      body: pr.body,
    });
    return { number: data.number, url: data.html_url, nodeId: data.node_id, autoMergeEnabled: data.auto_merge != null };
  } catch (error) {
    if (!isPullRequestExists(error)) throw error;
    const raced = await findOpenPullRequest(octokit, pr);
    if (!raced) throw error;
    return raced;
  }
}

async function findOpenPullRequest(octokit: GitHubClient, pr: { owner: string; repo: string; head: string; base: string }): Promise<CleanupPullRequest | null> {
  const { data } = await octokit.rest.pulls.list({
    owner: pr.owner,
    repo: pr.repo,
    head: `${pr.owner}:${pr.head}`,
    base: pr.base,
    state: "open",
  });
  const open = data[0];
  return open ? { number: open.number, url: open.html_url, nodeId: open.node_id, autoMergeEnabled: open.auto_merge != null } : null;
}
