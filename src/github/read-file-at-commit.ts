import type { GitHubClient } from "./octokit.js";

// A file at a commit never changes, so every script of a merge shares what was fetched.
const cache = new Map<string, Promise<string | null>>();
const CACHE_ENTRIES = 1000;

/**
 * A `readFile` for the bundler that reads the repository as it was at `commit` through the
 * contents API. Missing paths and anything that is not a regular file read as null.
 */
export function fileReaderAtCommit(
  octokit: GitHubClient,
  at: { owner: string; repo: string; commit: string },
): (path: string) => Promise<string | null> {
  return (path) => {
    const key = `${at.owner}/${at.repo}@${at.commit}:${path}`;
    let pending = cache.get(key);
    if (!pending) {
      pending = fetchFile(octokit, { ...at, path });
      // A failed request must not poison the cache: let the job's retry ask again.
      pending.catch(() => cache.delete(key));
      cache.set(key, pending);
      if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
    }
    return pending;
  };
}

/** The text of one file at a ref, or null when there is no regular file there. */
export async function fetchFile(
  octokit: GitHubClient,
  at: { owner: string; repo: string; commit: string; path: string },
): Promise<string | null> {
  try {
    const { data } = await octokit.rest.repos.getContent({ owner: at.owner, repo: at.repo, path: at.path, ref: at.commit });
    if (Array.isArray(data) || data.type !== "file" || !("content" in data)) return null;
    return Buffer.from(data.content, "base64").toString("utf8");
  } catch (error) {
    if ((error as { status?: number }).status === 404) return null;
    throw error;
  }
}
