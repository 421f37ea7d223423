import { isEntryScript } from "./entry-script.js";
import type { GitHubClient } from "./octokit.js";

/**
 * Entry scripts that a push added, across every commit between `before` and `after`
 * (the compare API; `head_commit` alone would miss multi-commit pushes). A file moved into
 * the scripts folder counts as added; a rename inside it does not run anything twice.
 */
export async function findAddedScripts(
  octokit: GitHubClient,
  push: { owner: string; repo: string; before: string; after: string; scriptsDir?: string },
): Promise<string[]> {
  const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
    owner: push.owner,
    repo: push.repo,
    basehead: `${push.before}...${push.after}`,
  });
  const isEntry = (path: string | undefined) => path !== undefined && isEntryScript(path, push.scriptsDir);
  return (data.files ?? [])
    .filter((file) => {
      if (file.status === "added") return true;
      if (file.status === "renamed" || file.status === "copied") return !isEntry(file.previous_filename);
      return false;
    })
    .map((file) => file.filename)
    .filter(isEntry)
    .sort();
}
