import { TreeEditError, type GitRepo, type TreeEdit } from "./git-repo.js";
import type { FileContent } from "./types.js";

/**
 * The tree edit that puts `content` at `path` (see FileContent): blobs are written to the
 * repository first; a gitlink only records the sha, like `update-index --cacheinfo 160000,<sha>,<path>`.
 */
export async function fileEdit(git: GitRepo, path: string, content: FileContent): Promise<TreeEdit> {
  if (content === null) return { path, remove: true };
  if (typeof content === "string" || Buffer.isBuffer(content)) {
    return { path, mode: "100644", sha: await git.hashObject(content) };
  }
  if ("symlink" in content && typeof content.symlink === "string" && content.symlink !== "") {
    return { path, mode: "120000", sha: await git.hashObject(content.symlink) };
  }
  if ("submodule" in content && typeof content.submodule === "string" && /^[0-9a-f]{40}$/i.test(content.submodule)) {
    return { path, mode: "160000", sha: content.submodule.toLowerCase() };
  }
  throw new TreeEditError(
    `${path}: expected a string, a Buffer, { symlink: "<non-empty target>" }, { submodule: "<40-hex sha>" } or null, got ${JSON.stringify(content)}`,
  );
}
