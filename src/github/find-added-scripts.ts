import { isEntryScript } from "./entry-script.js";
import type { GitHubClient } from "./octokit.js";

export interface PushedFile {
  filename: string;
  status: string;
  previous_filename?: string;
}

/**
 * The files a push changed, across every commit between `before` and `after` (the compare
 * API; `head_commit` alone would miss multi-commit pushes).
 */
export async function listPushedFiles(octokit: GitHubClient, push: { owner: string; repo: string; before: string; after: string }): Promise<PushedFile[]> {
  const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
    owner: push.owner,
    repo: push.repo,
    basehead: `${push.before}...${push.after}`,
  });
  return data.files ?? [];
}

/**
 * The entry scripts among the files a push changed: those added. A file moved into the
 * scripts folder counts as added; a rename inside it does not run anything twice.
 */
export function addedScripts(files: readonly PushedFile[], scriptsDir?: string): string[] {
  const isEntry = (path: string | undefined) => path !== undefined && isEntryScript(path, scriptsDir);
  return files
    .filter((file) => {
      if (file.status === "added") return true;
      if (file.status === "renamed" || file.status === "copied") return !isEntry(file.previous_filename);
      return false;
    })
    .map((file) => file.filename)
    .filter(isEntry)
    .sort();
}
