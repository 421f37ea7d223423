import type { GitHubClient } from "./octokit.js";

/** Every file below a folder at a commit: path → blob sha (symlinks and submodules included). */
export type FolderListing = { complete: true; files: Map<string, string> } | { complete: false; reason: string };

interface TreeEntry {
  path?: string;
  type?: string;
  sha?: string;
}

/**
 * The files below `folder` at `commit`, from the Git trees API. One recursive listing of the
 * whole commit is the fast path; when GitHub truncates it (over 100,000 entries or 7 MB),
 * the folder is walked one tree at a time, which GitHub never truncates. A listing that
 * still cannot be had complete says so: a missing script must be refused, never skipped.
 */
export async function listFolderAtCommit(
  octokit: GitHubClient,
  at: { owner: string; repo: string; commit: string },
  folder: string | Promise<string>,
): Promise<FolderListing> {
  // The whole listing does not depend on the folder: ask for it while the folder is found out.
  const listing = getTree(octokit, at, at.commit, true);
  listing.catch(() => {}); // awaited below, unless finding the folder failed first
  const [whole, name] = await Promise.all([listing, folder]);
  return whole.truncated
    ? walkFolder(octokit, at, name)
    : { complete: true, files: filesOf(whole.tree, (path) => (path.startsWith(`${name}/`) ? path : null)) };
}

/** The folder one tree at a time, for a commit whose whole listing GitHub truncated. */
async function walkFolder(octokit: GitHubClient, at: { owner: string; repo: string; commit: string }, folder: string): Promise<FolderListing> {
  // Down to the folder, then through it, one level per request.
  let sha: string | undefined = at.commit;
  for (const segment of folder.split("/")) {
    const level = await getTree(octokit, at, sha, false);
    sha = level.tree.find((entry) => entry.path === segment && entry.type === "tree")?.sha;
    if (!sha) return { complete: true, files: new Map() };
  }
  const files = new Map<string, string>();
  let pending: { sha: string; path: string }[] = [{ sha: sha, path: folder }];
  while (pending.length > 0) {
    const levels = await Promise.all(pending.map(async (tree) => ({ tree, listing: await getTree(octokit, at, tree.sha, false) })));
    pending = [];
    for (const { tree, listing } of levels) {
      if (listing.truncated) return { complete: false, reason: `GitHub truncated the listing of ${tree.path} at ${at.commit.slice(0, 7)}` };
      for (const [path, blob] of filesOf(listing.tree, (name) => `${tree.path}/${name}`)) files.set(path, blob);
      for (const entry of listing.tree)
        if (entry.type === "tree" && entry.path && entry.sha) pending.push({ sha: entry.sha, path: `${tree.path}/${entry.path}` });
    }
  }
  return { complete: true, files };
}

async function getTree(octokit: GitHubClient, at: { owner: string; repo: string }, sha: string, recursive: boolean) {
  const { data } = await octokit.rest.git.getTree({ owner: at.owner, repo: at.repo, tree_sha: sha, ...(recursive ? { recursive: "1" } : {}) });
  return { tree: data.tree as TreeEntry[], truncated: data.truncated };
}

/** Blobs (files, symlinks) and gitlinks (submodules) of a listing, under the paths `place` gives them. */
function filesOf(tree: readonly TreeEntry[], place: (path: string) => string | null): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of tree) {
    if ((entry.type !== "blob" && entry.type !== "commit") || !entry.path || !entry.sha) continue;
    const path = place(entry.path);
    if (path !== null) files.set(path, entry.sha);
  }
  return files;
}
