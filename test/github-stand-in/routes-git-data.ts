import { ApiError, invalidRequest, notFound, unprocessable } from "./api-error.js";
import { TreeEditError, type TreeEdit, type TreeEntry } from "./git-repo.js";
import type { Schema } from "./openapi.js";
import type { Router } from "./router.js";
import { bodyObject, botIdentity, DOCS, isSha, notA, notSupplied, optionalIdentity, requireRepo, requireString } from "./route-helpers.js";
import { gitCommit, gitObjectUrl } from "./shapes.js";
import type { StandInState } from "./state.js";

const MODE_TYPES: Record<string, "blob" | "tree" | "commit"> = {
  "100644": "blob",
  "100755": "blob",
  "120000": "blob",
  "040000": "tree",
  "160000": "commit",
};

/** The body of GET and POST /git/trees: the tree `sha` and its listed `entries`. */
function treeJson(state: StandInState, sha: string, entries: TreeEntry[]): Schema<"git-tree"> {
  return {
    sha,
    url: gitObjectUrl(state, "tree", sha),
    tree: entries.map((entry) => ({
      path: entry.path,
      mode: entry.mode,
      type: entry.type,
      sha: entry.sha,
      ...(entry.type === "blob" ? { size: entry.size ?? 0 } : {}),
      url: entry.type === "commit" ? undefined : gitObjectUrl(state, entry.type, entry.sha),
    })),
    truncated: false,
  };
}

/** GitHub's limits on a recursive tree listing: 100,000 entries, 7 MB. */
const MAX_TREE_ENTRIES = 100_000;
const MAX_TREE_BYTES = 7 * 1024 * 1024;

/** How many of a recursive listing's items fit in GitHub's limits and `limit` (the rest is cut, `truncated: true`). */
function itemsWithinLimits(items: unknown[], limit: number | null): number {
  const count = Math.min(items.length, limit ?? MAX_TREE_ENTRIES, MAX_TREE_ENTRIES);
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    bytes += Buffer.byteLength(JSON.stringify(items[i])) + 1;
    if (bytes > MAX_TREE_BYTES) return i;
  }
  return count;
}

function isValidTreePath(path: string): boolean {
  return path.length > 0 && path.split("/").every((part) => part !== "" && part !== "." && part !== ".." && part !== ".git");
}

/** A validated item of POST /git/trees' `tree` array, before its blob (if any) is written. */
type PlannedEdit = { path: string; remove: true } | { path: string; mode: string; sha?: string; content?: string };

function planTreeEntry(item: unknown): PlannedEdit {
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    throw invalidRequest(`For 'items', ${JSON.stringify(item)} is not an object.`, DOCS.createTree);
  }
  const entry = item as Record<string, unknown>;
  const path = entry.path;
  if (typeof path !== "string") throw notSupplied("path", DOCS.createTree);
  if (!isValidTreePath(path)) throw unprocessable("tree.path contains a malformed path component", DOCS.createTree);
  const mode = entry.mode;
  if (typeof mode !== "string" || !(mode in MODE_TYPES)) {
    throw notA("mode", mode, "a member of enum", DOCS.createTree);
  }
  const type = entry.type;
  if (type !== undefined && type !== MODE_TYPES[mode]) {
    if (type !== "blob" && type !== "tree" && type !== "commit") {
      throw notA("type", type, "a member of enum", DOCS.createTree);
    }
    throw unprocessable("GitRPC::BadObjectState", DOCS.createTree);
  }
  const hasSha = "sha" in entry;
  const hasContent = entry.content !== undefined && entry.content !== null;
  if (hasSha === hasContent) {
    throw unprocessable("Must supply either tree.sha or tree.content. Request will be rejected if both are present.", DOCS.createTree);
  }
  if (hasContent) {
    if (typeof entry.content !== "string") {
      throw notA("content", entry.content, "a string", DOCS.createTree);
    }
    if (MODE_TYPES[mode] !== "blob") throw unprocessable("GitRPC::BadObjectState", DOCS.createTree);
    return { path, mode, content: entry.content };
  }
  if (entry.sha === null) return { path, remove: true };
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- echoes whatever the request sent, as GitHub does
  if (!isSha(entry.sha)) throw unprocessable(`tree.sha ${String(entry.sha)} is not a valid ${MODE_TYPES[mode]}`, DOCS.createTree);
  return { path, mode, sha: entry.sha };
}

/** Git Database API: trees, blob writes and commits. */
export function registerGitDataRoutes(router: Router, state: StandInState): void {
  const git = state.git;

  router.add("GET", "/repos/:owner/:repo/git/trees/:sha", "installation", "git/get-tree", async (ctx) => {
    requireRepo(state, ctx);
    const sha = await git.resolve(ctx.params.sha!, "tree");
    if (!sha) throw notFound(DOCS.getTree);
    // Any value turns recursion on, "0" and "false" included, as GitHub documents.
    const recursive = ctx.query.has("recursive");
    const body = treeJson(state, sha, await git.lsTree(sha, { recursive, includeTrees: true }));
    const kept = recursive ? itemsWithinLimits(body.tree, state.treeEntryLimit) : body.tree.length;
    if (kept < body.tree.length) {
      body.tree = body.tree.slice(0, kept);
      body.truncated = true;
    }
    return { status: 200, body };
  });

  router.add("POST", "/repos/:owner/:repo/git/trees", "installation", "git/create-tree", async (ctx) => {
    requireRepo(state, ctx);
    const body = bodyObject(ctx);
    if (body.tree === undefined || body.tree === null) throw notSupplied("tree", DOCS.createTree);
    if (!Array.isArray(body.tree)) throw notA("tree", body.tree, "an array", DOCS.createTree);
    const planned = body.tree.map(planTreeEntry);
    const baseTree = body.base_tree === undefined || body.base_tree === null ? undefined : body.base_tree;
    if (baseTree !== undefined && typeof baseTree !== "string") throw notA("base_tree", baseTree, "a string", DOCS.createTree);

    return state.mutex.run(async () => {
      if (baseTree !== undefined && (await git.objectType(baseTree)) !== "tree") {
        throw unprocessable("GitRPC::BadObjectState", DOCS.createTree);
      }
      const edits: TreeEdit[] = [];
      for (const edit of planned) {
        if ("remove" in edit) {
          edits.push(edit);
        } else if (edit.content !== undefined) {
          edits.push({ path: edit.path, mode: edit.mode, sha: await git.hashObject(edit.content) });
        } else {
          const expected = MODE_TYPES[edit.mode]!;
          // Gitlinks point into another repository, so their commit need not exist here.
          if (expected !== "commit" && (await git.objectType(edit.sha!)) !== expected) {
            throw unprocessable(`tree.sha ${edit.sha} is not a valid ${expected}`, DOCS.createTree);
          }
          edits.push({ path: edit.path, mode: edit.mode, sha: edit.sha! });
        }
      }
      let sha: string;
      try {
        sha = await git.buildTree(baseTree, edits);
      } catch (error) {
        if (error instanceof TreeEditError) throw unprocessable("GitRPC::BadObjectState", DOCS.createTree);
        throw error;
      }
      const created = treeJson(state, sha, await git.lsTree(sha));
      return { status: 201, headers: { location: gitObjectUrl(state, "tree", sha) }, body: created };
    });
  });

  router.add("POST", "/repos/:owner/:repo/git/blobs", "installation", "git/create-blob", async (ctx) => {
    requireRepo(state, ctx);
    const body = bodyObject(ctx);
    const content = requireString(body, "content", DOCS.createBlob);
    const encoding = body.encoding ?? "utf-8";
    if (encoding !== "utf-8" && encoding !== "utf8" && encoding !== "base64") {
      throw unprocessable(`encoding must be "utf-8" or "base64"`, DOCS.createBlob);
    }
    const data = encoding === "base64" ? Buffer.from(content, "base64") : Buffer.from(content, "utf8");
    const sha = await state.mutex.run(() => git.hashObject(data));
    const url = gitObjectUrl(state, "blob", sha);
    return { status: 201, headers: { location: url }, body: { url, sha } };
  });

  router.add("GET", "/repos/:owner/:repo/git/commits/:sha", "installation", "git/get-commit", async (ctx) => {
    requireRepo(state, ctx);
    const sha = ctx.params.sha!;
    const commit = isSha(sha) ? await git.readCommit(sha) : undefined;
    if (!commit) throw notFound(DOCS.getCommit);
    return { status: 200, body: gitCommit(state, commit) };
  });

  router.add("POST", "/repos/:owner/:repo/git/commits", "installation", "git/create-commit", async (ctx) => {
    requireRepo(state, ctx);
    const body = bodyObject(ctx);
    const message = requireString(body, "message", DOCS.createCommit);
    const tree = requireString(body, "tree", DOCS.createCommit);
    const parents = body.parents ?? [];
    if (!Array.isArray(parents) || parents.some((parent) => typeof parent !== "string")) {
      throw notA("parents", parents, "an array of strings", DOCS.createCommit);
    }
    const author = optionalIdentity(body, "author", DOCS.createCommit);
    const committer = optionalIdentity(body, "committer", DOCS.createCommit);
    if (body.signature !== undefined) throw unprocessable("Signatures are not supported by the stand-in", DOCS.createCommit);

    return state.mutex.run(async () => {
      if ((await git.objectType(tree)) !== "tree") throw unprocessable("Tree SHA does not exist", DOCS.createCommit);
      for (const parent of parents as string[]) {
        if ((await git.objectType(parent)) !== "commit") {
          throw unprocessable("Parent SHA does not exist or is not a commit object", DOCS.createCommit);
        }
      }
      const sha = await git.commitTree({
        tree,
        parents: parents as string[],
        message,
        author: author ?? botIdentity(),
        committer: committer ?? author ?? botIdentity(),
      });
      const commit = await git.readCommit(sha);
      if (!commit) throw new ApiError(500, "commit vanished");
      const created = gitCommit(state, commit);
      return { status: 201, headers: { location: created.url }, body: created };
    });
  });
}
