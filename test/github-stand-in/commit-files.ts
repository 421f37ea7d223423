import { fileEdit } from "./file-edits.js";
import { TreeEditError, ZERO_SHA, type TreeEdit } from "./git-repo.js";
import type { StandInState } from "./state.js";
import type { CommitFilesOptions } from "./types.js";
import { gitIdentityFor } from "./users.js";

export const DEFAULT_AUTHOR = "octocat";

/** Commits `files` on `branch` (created from the default branch when missing). Caller holds the mutex. */
export async function commitOnBranch(state: StandInState, o: CommitFilesOptions): Promise<string> {
  const git = state.git;
  const branch = o.branch ?? state.defaultBranch;
  const ref = `refs/heads/${branch}`;
  const tip = await git.readRef(ref);
  const parent = tip ?? (await git.readRef(`refs/heads/${state.defaultBranch}`));
  const parentTree = parent ? (await git.readCommit(parent))!.tree : undefined;

  let tree: string;
  try {
    const edits: TreeEdit[] = [];
    for (const [path, content] of Object.entries(o.files)) edits.push(await fileEdit(git, path, content));
    tree = await git.buildTree(parentTree, edits);
  } catch (error) {
    if (error instanceof TreeEditError) throw new Error(`commitFiles on ${branch}: ${error.message}`, { cause: error });
    throw error;
  }
  const paths = Object.keys(o.files);
  const identity = gitIdentityFor(o.author ?? DEFAULT_AUTHOR);
  const sha = await git.commitTree({
    tree,
    parents: parent ? [parent] : [],
    message: o.message ?? `Update ${paths.join(", ")}`,
    author: identity,
    committer: identity,
  });
  if (!(await git.updateRef(ref, sha, tip ?? ZERO_SHA))) {
    throw new Error(`commitFiles: ${ref} moved concurrently`);
  }
  return sha;
}
