import type { ChangedFile } from "./changed-scripts.js";
import type { GitHubClient } from "./octokit.js";

/** GitHub lists at most this many files of a pull request, across all pages. */
export const PULL_FILES_CAP = 3000;

export interface PullRequestFile extends ChangedFile {
  /** The file's blob at the pull request's head ("" when GitHub gives none). */
  sha: string;
}

/** Every file a pull request changes, all pages; `complete` is false when GitHub's cap may have cut the list. */
export async function listPullRequestFiles(
  octokit: GitHubClient,
  pull: { owner: string; repo: string; number: number },
): Promise<{ files: PullRequestFile[]; complete: boolean }> {
  const files = await octokit.paginate(octokit.rest.pulls.listFiles, { owner: pull.owner, repo: pull.repo, pull_number: pull.number, per_page: 100 });
  return {
    files: files.map((file) => ({
      filename: file.filename,
      status: file.status,
      sha: file.sha ?? "",
      changes: file.changes,
      ...(file.previous_filename ? { previous_filename: file.previous_filename } : {}),
    })),
    complete: files.length < PULL_FILES_CAP,
  };
}
