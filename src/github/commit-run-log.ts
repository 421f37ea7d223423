import { readRepoEntry } from "./read-file-at-commit.js";
import type { GitHubClient } from "./octokit.js";

export interface RunLogCommit {
  owner: string;
  repo: string;
  branch: string;
  logPath: string;
  log: string;
  scriptPath: string;
  message: string;
}

const ATTEMPTS = 5;

/**
 * Adds the run log and deletes the script in ONE commit on `branch` (Git Data API), so the
 * branch never holds a log without the deletion. Idempotent: when the branch already has
 * this exact log and no script, nothing is written. When someone pushes meanwhile, the
 * commit is rebuilt on the new head instead of overwriting their work.
 */
export async function commitRunLog(
  octokit: GitHubClient,
  change: RunLogCommit,
): Promise<{ commit: string; created: boolean }> {
  const { owner, repo, branch } = change;
  for (let attempt = 1; ; attempt++) {
    const { data: ref } = await octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}` });
    const head = ref.object.sha;
    const [existingLog, script] = await Promise.all([
      readRepoEntry(octokit, { owner, repo, commit: head, path: change.logPath }),
      pathExists(octokit, { owner, repo, commit: head, path: change.scriptPath }),
    ]);
    if (existingLog.kind === "file" && existingLog.text === change.log && !script) return { commit: head, created: false };

    const { data: headCommit } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: head });
    const { data: tree } = await octokit.rest.git.createTree({
      owner,
      repo,
      base_tree: headCommit.tree.sha,
      tree: [
        { path: change.logPath, mode: "100644", type: "blob", content: change.log },
        ...(script ? [{ path: change.scriptPath, mode: "100644" as const, type: "blob" as const, sha: null }] : []),
      ],
    });
    const { data: commit } = await octokit.rest.git.createCommit({
      owner,
      repo,
      message: change.message,
      tree: tree.sha,
      parents: [head],
    });
    try {
      await octokit.rest.git.updateRef({ owner, repo, ref: `heads/${branch}`, sha: commit.sha, force: false });
      return { commit: commit.sha, created: true };
    } catch (error) {
      const status = (error as { status?: number }).status;
      // 422 "Update is not a fast forward": the branch moved under us; rebuild on the new head.
      if (status !== 422 || attempt >= ATTEMPTS) throw error;
    }
  }
}

async function pathExists(
  octokit: GitHubClient,
  at: { owner: string; repo: string; commit: string; path: string },
): Promise<boolean> {
  try {
    await octokit.rest.repos.getContent({ owner: at.owner, repo: at.repo, path: at.path, ref: at.commit });
    return true;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return false;
    throw error;
  }
}
