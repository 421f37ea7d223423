import { isNotFound } from "./http-error.js";
import type { GitHubClient } from "./octokit.js";

/** A path in the repository at a commit, as far as running scripts is concerned. */
export type RepoEntry = { kind: "file"; text: string; sha: string } | { kind: "missing" } | { kind: "refused"; reason: string };

// A file at a commit never changes, so every script of a merge shares what was fetched.
const cache = new Map<string, Promise<RepoEntry>>();
const CACHE_ENTRIES = 1000;

/** Reads the repository as it was at `commit` (contents API), cached per commit and path. */
export function entryReaderAtCommit(octokit: GitHubClient, at: { owner: string; repo: string; commit: string }): (path: string) => Promise<RepoEntry> {
  return (path) => {
    const key = `${at.owner}/${at.repo}@${at.commit}:${path}`;
    let pending = cache.get(key);
    if (!pending) {
      pending = readRepoEntry(octokit, { ...at, path });
      // A failed request must not poison the cache: let the job's retry ask again.
      pending.catch(() => cache.delete(key));
      cache.set(key, pending);
      if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
    }
    return pending;
  };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * One path at a ref. Only regular UTF-8 text files are code chorebot will run: a symlink
 * (which the contents API silently follows), a submodule or a binary file is refused
 * with a reason, so the run log says why instead of running something nobody reviewed.
 */
export async function readRepoEntry(octokit: GitHubClient, at: { owner: string; repo: string; commit: string; path: string }): Promise<RepoEntry> {
  let data;
  try {
    ({ data } = await octokit.rest.repos.getContent({ owner: at.owner, repo: at.repo, path: at.path, ref: at.commit }));
  } catch (error) {
    if (isNotFound(error)) return { kind: "missing" };
    throw error;
  }
  if (Array.isArray(data)) return { kind: "missing" };
  if (data.type === "symlink" || (data.type === "file" && data.path !== at.path)) {
    return { kind: "refused", reason: `${at.path} is a symbolic link; chorebot only runs regular files` };
  }
  if (data.type === "submodule") return { kind: "refused", reason: `${at.path} is a git submodule; chorebot only runs regular files` };
  if (data.type !== "file" || !("content" in data)) return { kind: "missing" };
  if (data.encoding !== "base64") return { kind: "refused", reason: `${at.path} is too large to read through the GitHub API` };
  const bytes = Buffer.from(data.content, "base64");
  try {
    if (bytes.includes(0)) throw new Error("NUL byte");
    return { kind: "file", text: utf8.decode(bytes), sha: data.sha };
  } catch {
    return { kind: "refused", reason: `${at.path} is not a UTF-8 text file` };
  }
}
