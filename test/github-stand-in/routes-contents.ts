import { posix } from "node:path";
import { ApiError, notFound } from "./api-error.js";
import type { TreeEntry } from "./git-repo.js";
import type { Schema } from "./openapi.js";
import type { Router } from "./router.js";
import { DOCS, requireRepo, wrappedBase64 } from "./route-helpers.js";
import { encodePath, gitObjectUrl } from "./shapes.js";
import { repoApiUrl, repoHtmlUrl, type StandInState } from "./state.js";

/** Files above this size come back with `encoding: "none"` and empty content, like on GitHub. */
const MAX_INLINE_CONTENT = 1024 * 1024;

/** Where a symlink at `path` points inside the repository, or undefined when it leaves it. */
function symlinkTarget(path: string, target: string): string | undefined {
  if (target.startsWith("/")) return undefined;
  const resolved = posix.normalize(posix.join(posix.dirname(path), target));
  if (resolved === "." || resolved === ".." || resolved.startsWith("../")) return undefined;
  return resolved;
}

/** The parts of a contents item that every type shares. */
function baseItem<Type extends string>(state: StandInState, entry: TreeEntry, path: string, ref: string, type: Type) {
  const name = path.split("/").pop() ?? path;
  const url = `${repoApiUrl(state)}/contents/${encodePath(path)}?ref=${encodeURIComponent(ref)}`;
  const gitUrl = entry.type === "commit" ? null : gitObjectUrl(state, entry.type, entry.sha);
  const htmlUrl = entry.type === "commit" ? null : `${repoHtmlUrl(state)}/${entry.type === "tree" ? "tree" : "blob"}/${ref}/${encodePath(path)}`;
  const downloadUrl = entry.type === "blob" ? `${state.htmlUrl}/raw/${state.owner}/${state.repo}/${ref}/${encodePath(path)}` : null;
  return {
    name,
    path,
    sha: entry.sha,
    size: entry.type === "blob" ? (entry.size ?? 0) : 0,
    url,
    html_url: htmlUrl,
    git_url: gitUrl,
    download_url: downloadUrl,
    type,
    _links: { self: url, git: gitUrl, html: htmlUrl },
  };
}

/** `.gitmodules` at `commit` → the url configured for the submodule at `path`. */
async function submoduleUrl(state: StandInState, commit: string, path: string): Promise<string | null> {
  const result = await state.git.exec(["config", "--blob", `${commit}:.gitmodules`, "-z", "--list"], {
    okCodes: [1, 128],
  });
  if (result.code !== 0) return null;
  const values = new Map<string, string>();
  for (const record of result.stdout.toString("utf8").split("\0")) {
    const newline = record.indexOf("\n");
    if (newline > 0) values.set(record.slice(0, newline), record.slice(newline + 1));
  }
  for (const [key, value] of values) {
    const match = /^submodule\.(.*)\.path$/.exec(key);
    if (match && value === path) return values.get(`submodule.${match[1]}.url`) ?? null;
  }
  return null;
}

/** The full contents object for a single (non-directory) entry. */
async function itemObject(
  state: StandInState,
  commit: string,
  entry: TreeEntry,
  path: string,
  ref: string,
): Promise<Schema<"content-file"> | Schema<"content-symlink"> | Schema<"content-submodule">> {
  if (entry.type === "commit") {
    // GitHub answers null when .gitmodules does not name the path; its description says a string.
    const url = (await submoduleUrl(state, commit, path)) as string;
    return { ...baseItem(state, entry, path, ref, "submodule"), submodule_git_url: url };
  }
  if (entry.mode === "120000") {
    const target = (await state.git.readBlob(entry.sha)).toString("utf8");
    return { ...baseItem(state, entry, path, ref, "symlink"), target };
  }
  const tooLarge = (entry.size ?? 0) > MAX_INLINE_CONTENT;
  const data = tooLarge ? Buffer.alloc(0) : await state.git.readBlob(entry.sha);
  return {
    ...baseItem(state, entry, path, ref, "file"),
    content: wrappedBase64(data),
    encoding: tooLarge ? "none" : "base64",
  };
}

/** A directory listing item. GitHub documents submodules as type "file" in listings (for compatibility). */
function listingItem(state: StandInState, entry: TreeEntry, path: string, ref: string): Schema<"content-directory">[number] {
  const type = entry.type === "tree" ? "dir" : entry.mode === "120000" ? "symlink" : "file";
  return baseItem(state, entry, path, ref, type);
}

/** GET contents: files, directory listings, symlinks and submodules. */
export function registerContentsRoutes(router: Router, state: StandInState): void {
  const git = state.git;

  router.add("GET", "/repos/:owner/:repo/contents/*path", "installation", "repos/get-content", async (ctx) => {
    requireRepo(state, ctx);
    const ref = ctx.query.get("ref") || state.defaultBranch;
    const path = ctx.params.path!.replace(/^\/+|\/+$/g, "");
    const commit = await git.resolveCommit(ref);
    if (!commit) throw new ApiError(404, `No commit found for the ref ${ref}`, DOCS.contents);
    const entry = await git.entryAt(commit, path);
    if (!entry) throw notFound(DOCS.contents);
    if (entry.mode === "120000") {
      // Documented: a symlink to a regular file in the repository answers with that file.
      const target = symlinkTarget(path, (await git.readBlob(entry.sha)).toString("utf8"));
      const targetEntry = target === undefined ? undefined : await git.entryAt(commit, target);
      if (targetEntry?.type === "blob" && targetEntry.mode !== "120000") {
        return { status: 200, body: await itemObject(state, commit, targetEntry, target!, ref) };
      }
    }
    // `Accept: application/vnd.github.raw` (Probot's config loader asks for it): the file's bytes.
    if (/\bvnd\.github(\.v3)?\.raw\b/.test(String(ctx.headers.accept ?? "")) && entry.type === "blob") {
      const text = (await git.readBlob(entry.sha)).toString("utf8");
      return { status: 200, body: text, headers: { "content-type": "application/vnd.github.raw; charset=utf-8" } };
    }
    if (entry.type !== "tree") return { status: 200, body: await itemObject(state, commit, entry, path, ref) };
    const children = await git.lsTree(entry.sha);
    return {
      status: 200,
      body: children.map((child) => listingItem(state, child, path === "" ? child.path : `${path}/${child.path}`, ref)),
    };
  });
}
