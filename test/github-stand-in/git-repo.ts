import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { CatFileBatch } from "./cat-file-batch.js";
import {
  commitsInOrder,
  parseBatchOutput,
  parseCommitObject,
  parseNumstat,
  parseRawDiff,
  parseTreeObject,
  type CommitInfo,
  type DiffEntry,
} from "./git-parse.js";

export type { CommitInfo, DiffEntry, DiffStatus } from "./git-parse.js";

/**
 * Thin wrapper over the `git` CLI operating on one bare repository. Everything goes through git
 * plumbing (read-tree/update-index on a private GIT_INDEX_FILE, write-tree, commit-tree,
 * update-ref with an expected old value, ls-tree, cat-file, diff-tree, rev-parse).
 * Nothing here depends on the user's global/system git config.
 *
 * Two shortcuts keep it cheap without changing what it answers: objects named by their full id
 * (immutable) are read through one long-lived `git cat-file --batch-command` (CatFileBatch), trees
 * among them parsed here; and blobs are written here as loose objects, byte for byte what
 * `git hash-object -w` writes. Anything else (refs, abbreviated ids, unusual paths, and whatever
 * the batch reader cannot answer plainly) takes the git command it always took.
 */

export const ZERO_SHA = "0".repeat(40);
const FULL_SHA = /^[0-9a-f]{40}$/;
/**
 * Ref names whose loose file readRef may read itself: plain characters only, so the name is valid
 * for git (check-ref-format) and is the first thing rev-parse looks up for it.
 */
const PLAIN_REF = /^refs\/(heads|tags)(\/[A-Za-z0-9_-]+)+$/;
/** How many commits isAncestor walks in process before leaving the question to merge-base. */
const ANCESTRY_WALK_LIMIT = 64;
export const EMPTY_TREE_SHA = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

export type ObjectType = "blob" | "tree" | "commit" | "tag";

export interface GitIdentity {
  name: string;
  email: string;
  /** ISO 8601 (as GitHub accepts it) or git's "<unix seconds> <tz>"; defaults to the repo clock. */
  date?: string;
}

export interface TreeEntry {
  mode: string;
  type: ObjectType;
  sha: string;
  /** Path relative to the tree that was listed. */
  path: string;
  /** Blob size in bytes (only for blobs, only when listed with sizes). */
  size?: number;
}

export type TreeEdit = { path: string; remove: true } | { path: string; mode: string; sha: string };

export class GitCommandError extends Error {
  constructor(
    readonly args: string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`git ${args.join(" ")} exited with ${code}: ${stderr.trim()}`);
  }
}

/** A tree edit that git (and GitHub) would refuse, e.g. deleting a path that is not there. */
export class TreeEditError extends Error {}

interface RunOptions {
  input?: string | Buffer;
  env?: Record<string, string>;
  /** Exit codes that are not errors (0 always is). */
  okCodes?: number[];
}

interface RunResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

/**
 * When `globalThis.__git` is an object, every git process the stand-in starts is counted there
 * by subcommand: git-repo.test.ts checks the shortcuts start none, and a profiling run can see
 * what a benchmark costs the stand-in.
 */
function countSpawn(args: string[]): void {
  const counts = (globalThis as { __git?: Record<string, number> }).__git;
  if (counts) counts[args[0]!] = (counts[args[0]!] ?? 0) + 1;
}

/** The result of a finished git process, or a GitCommandError for an exit code not in `okCodes` (0 always is). */
function checkedResult(args: string[], code: number | null, stdout: Buffer, stderr: Buffer, options: RunOptions): RunResult {
  const result = { stdout, stderr: stderr.toString("utf8"), code: code ?? -1 };
  if (code === 0 || (code !== null && options.okCodes?.includes(code))) return result;
  throw new GitCommandError(args, code, result.stderr);
}

const DEFAULT_IDENTITY = { name: "GitHub Stand-in", email: "stand-in@users.noreply.github.com" };

/** The environment for every git invocation: inherited env minus any GIT_* leakage, plus isolation. */
function gitEnv(gitDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith("GIT_")) env[key] = value;
  }
  return {
    ...env,
    GIT_DIR: gitDir,
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_TERMINAL_PROMPT: "0",
    GIT_OPTIONAL_LOCKS: "0",
    GIT_LITERAL_PATHSPECS: "1",
    GIT_AUTHOR_NAME: DEFAULT_IDENTITY.name,
    GIT_AUTHOR_EMAIL: DEFAULT_IDENTITY.email,
    GIT_COMMITTER_NAME: DEFAULT_IDENTITY.name,
    GIT_COMMITTER_EMAIL: DEFAULT_IDENTITY.email,
    LC_ALL: "C",
    LANG: "C",
  };
}

/** Rejects anything git could read as an option or as revision syntax; GitHub takes names and shas only. */
function isPlainRefOrSha(rev: string): boolean {
  return (
    rev.length > 0 &&
    !rev.startsWith("-") &&
    !rev.startsWith("/") &&
    !rev.endsWith("/") &&
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    !/[\s~^:?*[\\\x00-\x1f\x7f]|\.\.|@\{|\/\/|\.lock$/.test(rev)
  );
}

export class GitRepo {
  private readonly env: Record<string, string>;
  private readonly objects: CatFileBatch;
  /** objects/xx directories known to exist (only a prune removes one; writeObject then makes it again). */
  private readonly objectDirs = new Set<string>();
  private lastTimestamp = 0;
  private indexCounter = 0;

  private constructor(
    readonly dir: string,
    private readonly scratchDir: string,
  ) {
    this.env = gitEnv(dir);
    this.objects = new CatFileBatch(this.env, () => countSpawn(["cat-file --batch-command"]));
  }

  /** Ends the long-lived cat-file process; the repository is not read through this object afterwards. */
  close(): Promise<void> {
    return this.objects.close();
  }

  /** Creates a fresh bare repository at `dir`; `scratchDir` holds private index files. */
  static async init(dir: string, scratchDir: string, defaultBranch: string): Promise<GitRepo> {
    const repo = new GitRepo(dir, scratchDir);
    await repo.run(["init", "--quiet", "--bare", `--initial-branch=${defaultBranch}`]);
    await repo.run(["config", "core.logAllRefUpdates", "false"]);
    return repo;
  }

  // ---------------------------------------------------------------- process plumbing

  exec(args: string[], options: RunOptions = {}): Promise<RunResult> {
    countSpawn(args);
    return new Promise((resolve, reject) => {
      const child = spawn("git", args, {
        env: { ...this.env, ...options.env },
        stdio: ["pipe", "pipe", "pipe"],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
      child.once("error", reject);
      child.stdin.on("error", () => {
        /* git may exit before reading all input; the exit code tells the story */
      });
      child.once("close", (code) => {
        try {
          resolve(checkedResult(args, code, Buffer.concat(out), Buffer.concat(err), options));
        } catch (error) {
          reject(error);
        }
      });
      child.stdin.end(options.input ?? "");
    });
  }

  /** Synchronous variant, for the few helpers that must return synchronously (push payloads). */
  execSync(args: string[], options: RunOptions = {}): RunResult {
    countSpawn(args);
    const child = spawnSync("git", args, {
      env: { ...this.env, ...options.env },
      input: options.input ?? "",
      maxBuffer: 256 * 1024 * 1024,
    });
    if (child.error) throw child.error;
    return checkedResult(args, child.status, child.stdout, child.stderr, options);
  }

  private async run(args: string[], options: RunOptions = {}): Promise<string> {
    return (await this.exec(args, options)).stdout.toString("utf8");
  }

  /** Strictly increasing commit timestamps (wall clock, bumped by a second when needed). */
  private nextDate(): string {
    const now = Math.floor(Date.now() / 1000);
    this.lastTimestamp = Math.max(now, this.lastTimestamp + 1);
    return `${this.lastTimestamp} +0000`;
  }

  // ---------------------------------------------------------------- objects

  /** `git hash-object -w -t blob --stdin`, in process (see writeObject). */
  hashObject(content: string | Buffer): Promise<string> {
    return this.writeObject("blob", typeof content === "string" ? Buffer.from(content, "utf8") : content);
  }

  /**
   * Stores an object as git does: the id is the sha1 of "<type> <size>\0<content>", stored
   * zlib-deflated at objects/<2 hex>/<38 hex> (written to a temporary file in that directory and
   * renamed into place, read-only; an object already there is left alone). Synchronous file
   * calls: for files this small they cost less than a round trip through libuv's thread pool.
   */
  private async writeObject(type: "blob" | "tree" | "commit", data: Buffer): Promise<string> {
    const header = Buffer.from(`${type} ${data.length}\0`, "latin1");
    const sha = createHash("sha1").update(header).update(data).digest("hex");
    const dir = join(this.dir, "objects", sha.slice(0, 2));
    const file = join(dir, sha.slice(2));
    if (existsSync(file)) return sha;
    const temporary = join(dir, `tmp_obj_${randomBytes(8).toString("hex")}`);
    // Level 1 is git's own default for loose objects (core.looseCompression).
    const deflated = deflateSync(Buffer.concat([header, data]), { level: 1 });
    try {
      // mkdir of an existing directory costs far more than a stat here (~0.5 ms of system time).
      if (!this.objectDirs.has(dir)) {
        if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
        this.objectDirs.add(dir);
      }
      try {
        writeFileSync(temporary, deflated, { mode: 0o444, flag: "wx" });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        // The directory went away (a prune?): make it again.
        this.objectDirs.delete(dir);
        mkdirSync(dir, { recursive: true });
        writeFileSync(temporary, deflated, { mode: 0o444, flag: "wx" });
      }
      renameSync(temporary, file);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
    return sha;
  }

  async objectType(sha: string): Promise<ObjectType | undefined> {
    if (!FULL_SHA.test(sha)) return undefined;
    return (await this.objects.info(sha))?.type as ObjectType | undefined;
  }

  async readBlob(sha: string): Promise<Buffer> {
    if (FULL_SHA.test(sha)) {
      const object = await this.objects.contents(sha);
      if (object?.type === "blob") return object.data!;
    }
    // Not a blob by its id: cat-file decides (it peels a tag to its blob, or fails).
    return (await this.exec(["cat-file", "blob", sha])).stdout;
  }

  /**
   * Reads commits in the order given; shas that are not commits are skipped, and so are names that
   * are not full lowercase ids (as they always were: a batch answer carries the resolved id).
   */
  async readCommits(shas: string[]): Promise<CommitInfo[]> {
    const objects = await Promise.all(shas.map((sha) => (FULL_SHA.test(sha) ? this.objects.contents(sha) : undefined)));
    const commits: CommitInfo[] = [];
    objects.forEach((object, i) => {
      if (object?.type === "commit") commits.push(parseCommitObject(shas[i]!, object.data!));
    });
    return commits;
  }

  readCommitsSync(shas: string[]): CommitInfo[] {
    if (shas.length === 0) return [];
    const { stdout } = this.execSync(...catFileBatch(shas));
    return commitsInOrder(shas, parseBatchOutput(stdout));
  }

  async readCommit(sha: string): Promise<CommitInfo | undefined> {
    return (await this.readCommits([sha]))[0];
  }

  // ---------------------------------------------------------------- refs and revisions

  /** Resolves a full sha, abbreviated sha, branch name, tag name or full ref name to an object of `kind`. */
  async resolve(rev: string, kind: "commit" | "tree"): Promise<string | undefined> {
    if (!isPlainRefOrSha(rev)) return undefined;
    const candidates: string[] = [];
    if (/^[0-9a-f]{40}$/i.test(rev)) candidates.push(rev.toLowerCase());
    if (rev.startsWith("refs/")) candidates.push(rev);
    candidates.push(`refs/heads/${rev}`, `refs/tags/${rev}`);
    if (/^[0-9a-f]{4,39}$/i.test(rev)) candidates.push(rev.toLowerCase());
    for (const candidate of candidates) {
      if (FULL_SHA.test(candidate)) {
        // A full id (never a ref: git reads 40 hex digits as an object name first) peels the same in the batch.
        const object = await this.objects.info(`${candidate}^{${kind}}`);
        if (object) return object.oid;
        continue;
      }
      const result = await this.exec(["rev-parse", "--verify", "--quiet", `${candidate}^{${kind}}`], {
        okCodes: [1, 128],
      });
      if (result.code === 0) return result.stdout.toString("utf8").trim();
    }
    return undefined;
  }

  resolveCommit(rev: string): Promise<string | undefined> {
    return this.resolve(rev, "commit");
  }

  async readRef(ref: string): Promise<string | undefined> {
    if (!ref.startsWith("refs/") || !isPlainRefOrSha(ref)) return undefined;
    if (PLAIN_REF.test(ref)) {
      // rev-parse --verify reads this loose file first, and a loose ref wins over packed-refs;
      // update-ref renames the new file into place, so a read sees the old or the new id.
      const loose = readLoose(join(this.dir, ref));
      if (loose !== undefined && /^[0-9a-f]{40}\n$/.test(loose)) return loose.slice(0, 40);
    }
    // Packed, symbolic, missing or unusual: rev-parse decides.
    const result = await this.exec(["rev-parse", "--verify", "--quiet", ref], { okCodes: [1, 128] });
    return result.code === 0 ? result.stdout.toString("utf8").trim() : undefined;
  }

  async isValidRefName(ref: string): Promise<boolean> {
    if (!isPlainRefOrSha(ref)) return false;
    const result = await this.exec(["check-ref-format", ref], { okCodes: [1] });
    return result.code === 0;
  }

  /**
   * Atomically moves `ref` from `expectedOld` to `newSha` (`ZERO_SHA` as expectedOld means "must not
   * exist yet"). Returns false when the ref did not hold `expectedOld` (someone else moved it).
   */
  async updateRef(ref: string, newSha: string, expectedOld: string): Promise<boolean> {
    if (await this.moveLooseRef(ref, newSha, expectedOld)) return true;
    const result = await this.exec(["update-ref", "--no-deref", ref, newSha, expectedOld], { okCodes: [1, 128] });
    return result.code === 0;
  }

  /**
   * What update-ref does to move an existing plain loose ref: take `<ref>.lock` (O_EXCL), check under
   * it that the ref still holds `expectedOld`, write the new id into the lock and rename it over the
   * ref. Only when the ref file holds `expectedOld` now and `newSha` exists (a commit, for a branch);
   * false means "ask update-ref" (which also answers a creation, a mismatch, a taken lock).
   */
  private async moveLooseRef(ref: string, newSha: string, expectedOld: string): Promise<boolean> {
    if (!PLAIN_REF.test(ref) || !FULL_SHA.test(newSha) || !FULL_SHA.test(expectedOld) || expectedOld === ZERO_SHA) return false;
    const file = join(this.dir, ref);
    const expected = `${expectedOld}\n`;
    if (readLoose(file) !== expected) return false;
    const target = await this.objects.info(newSha);
    if (!target || (ref.startsWith("refs/heads/") && target.type !== "commit")) return false;
    const lock = `${file}.lock`;
    try {
      writeFileSync(lock, `${newSha}\n`, { flag: "wx" });
    } catch {
      return false;
    }
    try {
      if (readLoose(file) !== expected) {
        rmSync(lock, { force: true });
        return false;
      }
      renameSync(lock, file);
      return true;
    } catch (error) {
      rmSync(lock, { force: true });
      throw error;
    }
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const walked = await this.walkForAncestor(ancestor, descendant);
    if (walked !== undefined) return walked;
    const result = await this.exec(["merge-base", "--is-ancestor", ancestor, descendant], { okCodes: [1] });
    return result.code === 0;
  }

  isAncestorSync(ancestor: string, descendant: string): boolean {
    return this.execSync(["merge-base", "--is-ancestor", ancestor, descendant], { okCodes: [1, 128] }).code === 0;
  }

  /**
   * merge-base --is-ancestor by walking parents (commits read through the batch) from `descendant`:
   * true once `ancestor` is met, false once the walk ran out of commits; undefined (ask git) when
   * either is not a full id of a commit-ish, or after ANCESTRY_WALK_LIMIT commits.
   */
  private async walkForAncestor(ancestor: string, descendant: string): Promise<boolean | undefined> {
    if (!FULL_SHA.test(ancestor) || !FULL_SHA.test(descendant)) return undefined;
    const [from, to] = await Promise.all([this.objects.info(`${descendant}^{commit}`), this.objects.info(`${ancestor}^{commit}`)]);
    if (!from || !to) return undefined;
    const seen = new Set([from.oid]);
    const queue = [from.oid];
    while (queue.length > 0) {
      const oid = queue.shift()!;
      if (oid === to.oid) return true;
      if (seen.size > ANCESTRY_WALK_LIMIT) return undefined;
      const commit = await this.objects.contents(oid);
      if (commit?.type !== "commit") return undefined;
      for (const parent of parseCommitObject(oid, commit.data!).parents) {
        if (!seen.has(parent)) {
          seen.add(parent);
          queue.push(parent);
        }
      }
    }
    return false;
  }

  async mergeBase(a: string, b: string): Promise<string | undefined> {
    const result = await this.exec(["merge-base", a, b], { okCodes: [1] });
    return result.code === 0 ? result.stdout.toString("utf8").trim() : undefined;
  }

  /** `git rev-list` of commits reachable from `include` but not from any of `exclude`. */
  async revList(include: string, exclude: string[] = [], options: RevListOptions = {}): Promise<string[]> {
    return (await this.run(revListArgs(include, exclude, options))).split("\n").filter(Boolean);
  }

  /** The commits from `include` back that changed `path` (newest first), as `git log <include> -- <path>` simplifies history. */
  async revListTouching(include: string, path: string): Promise<string[]> {
    return (await this.run(["rev-list", include, "--", path])).split("\n").filter(Boolean);
  }

  revListSync(include: string, exclude: string[] = [], options: RevListOptions = {}): string[] {
    return this.execSync(revListArgs(include, exclude, options))
      .stdout.toString("utf8")
      .split("\n")
      .filter(Boolean);
  }

  // ---------------------------------------------------------------- trees

  /**
   * `git ls-tree` of a tree-ish. `recursive` lists blobs and gitlinks under subdirectories
   * (with `includeTrees`, the subtrees too, like GitHub's ?recursive=1).
   */
  async lsTree(treeish: string, options: { recursive?: boolean; includeTrees?: boolean; paths?: string[] } = {}): Promise<TreeEntry[]> {
    if (!options.paths?.length && FULL_SHA.test(treeish)) {
      const listed = await this.listTree(treeish, options.recursive === true, options.includeTrees === true);
      if (listed) return listed;
    }
    const args = ["ls-tree", "-z", "-l", "--full-tree"];
    if (options.recursive) args.push("-r");
    if (options.recursive && options.includeTrees) args.push("-t");
    args.push(treeish, "--", ...(options.paths ?? []));
    const out = await this.run(args);
    const entries: TreeEntry[] = [];
    for (const record of out.split("\0")) {
      if (!record) continue;
      const tab = record.indexOf("\t");
      const [mode, type, sha, size] = record.slice(0, tab).split(/ +/);
      const entry: TreeEntry = { mode: mode!, type: type as ObjectType, sha: sha!, path: record.slice(tab + 1) };
      if (type === "blob") entry.size = Number(size);
      entries.push(entry);
    }
    return entries;
  }

  /**
   * ls-tree -l of a full tree-ish id with no paths, from tree objects read through the batch
   * (the same entries in the same order: tree order, a subtree's entries right after it).
   * Undefined when git should decide (an object missing or not what its entry says).
   */
  private async listTree(treeish: string, recursive: boolean, includeTrees: boolean): Promise<TreeEntry[] | undefined> {
    const root = await this.objects.contents(`${treeish}^{tree}`);
    if (root?.type !== "tree") return undefined;
    const entries: TreeEntry[] = [];
    const sizes: Promise<boolean>[] = [];
    const walk = async (data: Buffer, prefix: string): Promise<boolean> => {
      const parsed = parseTreeObject(data);
      if (!parsed) return false;
      // Ask for every subtree at once; the batch answers in order.
      const subtrees = parsed.map((raw) => (recursive && raw.type === "tree" ? handled(this.objects.contents(raw.sha)) : undefined));
      for (let i = 0; i < parsed.length; i++) {
        const raw = parsed[i]!;
        const entry: TreeEntry = { mode: raw.mode, type: raw.type, sha: raw.sha, path: prefix + raw.name };
        if (raw.type === "tree" && recursive) {
          if (includeTrees) entries.push(entry);
          const subtree = await subtrees[i];
          if (subtree?.type !== "tree" || !(await walk(subtree.data!, `${entry.path}/`))) return false;
          continue;
        }
        if (raw.type === "blob") {
          sizes.push(
            handled(
              this.objects.info(raw.sha).then((info) => {
                if (info) entry.size = info.size;
                return info !== undefined;
              }),
            ),
          );
        }
        entries.push(entry);
      }
      return true;
    };
    const walked = await walk(root.data!, "");
    const sized = await Promise.all(sizes);
    return walked && sized.every(Boolean) ? entries : undefined;
  }

  /** The single entry at `path` inside the tree of `treeish` (no path means the root tree). */
  async entryAt(treeish: string, path: string): Promise<TreeEntry | undefined> {
    if (path === "") {
      const sha = await this.resolve(treeish, "tree");
      return sha ? { mode: "040000", type: "tree", sha, path: "" } : undefined;
    }
    const found = await this.findEntry(treeish, path);
    if (found !== "ask git") return found;
    const entries = await this.lsTree(treeish, { paths: [path] });
    return entries.find((entry) => entry.path === path);
  }

  /**
   * entryAt() by walking tree objects read through the batch, for a full tree-ish id and a plain
   * path (components compared byte for byte, as ls-tree's literal pathspec does). "ask git" for
   * anything ls-tree would treat specially (a path it normalizes, an object missing).
   */
  private async findEntry(treeish: string, path: string): Promise<TreeEntry | undefined | "ask git"> {
    const parts = path.split("/");
    if (
      !FULL_SHA.test(treeish) ||
      path.includes("\0") ||
      Buffer.from(path, "utf8").toString("utf8") !== path ||
      parts.some((part) => part === "" || part === "." || part === "..")
    ) {
      return "ask git";
    }
    let tree = await this.objects.contents(`${treeish}^{tree}`);
    for (let i = 0; ; i++) {
      if (tree?.type !== "tree") return "ask git";
      const parsed = parseTreeObject(tree.data!);
      if (!parsed) return "ask git";
      const name = Buffer.from(parts[i]!, "utf8");
      const raw = parsed.find((candidate) => candidate.nameBytes.equals(name));
      if (!raw) return undefined;
      if (i === parts.length - 1) {
        const entry: TreeEntry = { mode: raw.mode, type: raw.type, sha: raw.sha, path };
        if (raw.type === "blob") {
          const info = await this.objects.info(raw.sha);
          if (!info) return "ask git";
          entry.size = info.size;
        }
        return entry;
      }
      if (raw.type !== "tree") return undefined;
      tree = await this.objects.contents(raw.sha);
    }
  }

  /**
   * Builds a new tree from `baseTree` (or nothing) plus `edits`, applied in order. Throws
   * TreeEditError for edits GitHub rejects (removing a missing path).
   *
   * git's way is a private GIT_INDEX_FILE: read-tree the base, update-index --index-info with the
   * delta (which leaves out a path verify_path refuses, e.g. under .git), write-tree (which checks each new entry's
   * object exists). When every new entry is one those checks plainly pass (see writableHere), the
   * tree objects are written here instead, byte for byte what write-tree writes for that index.
   */
  async buildTree(baseTree: string | undefined, edits: TreeEdit[]): Promise<string> {
    // What read-tree puts in the index is the base tree's recursive listing, in the same (index) order.
    const listed = baseTree === undefined ? [] : FULL_SHA.test(baseTree) ? await this.listTree(baseTree, true, false) : undefined;
    if (listed) {
      const original = new Map(listed.map((entry) => [entry.path, { mode: entry.mode, sha: entry.sha }]));
      const entries = await this.applyTreeEdits(original, edits);
      if (await this.writableHere(original, entries)) {
        const written = await this.writeTrees(entries);
        if (written) return written;
      }
      return this.withIndex(async (env) => {
        await this.run(baseTree ? ["read-tree", baseTree] : ["read-tree", "--empty"], { env });
        return this.updateAndWriteIndex(env, original, entries);
      });
    }
    return this.withIndex(async (env) => {
      await this.run(baseTree ? ["read-tree", baseTree] : ["read-tree", "--empty"], { env });
      const original = new Map<string, { mode: string; sha: string }>();
      const listing = await this.run(["ls-files", "--stage", "-z"], { env });
      for (const record of listing.split("\0")) {
        if (!record) continue;
        const tab = record.indexOf("\t");
        const [mode, sha] = record.slice(0, tab).split(" ");
        original.set(record.slice(tab + 1), { mode: mode!, sha: sha! });
      }
      return this.updateAndWriteIndex(env, original, await this.applyTreeEdits(original, edits));
    });
  }

  private async withIndex<T>(fn: (env: Record<string, string>) => Promise<T>): Promise<T> {
    const indexFile = join(this.scratchDir, `index-${process.pid}-${++this.indexCounter}`);
    try {
      return await fn({ GIT_INDEX_FILE: indexFile });
    } finally {
      await rm(indexFile, { force: true });
    }
  }

  /** `original` (path → entry, no directories) with `edits` applied in order. */
  private async applyTreeEdits(original: Map<string, IndexEntry>, edits: TreeEdit[]): Promise<Map<string, IndexEntry>> {
    const entries = new Map(original);
    const removeUnder = (dir: string): number => {
      let removed = 0;
      for (const key of [...entries.keys()]) {
        if (key.startsWith(dir + "/")) {
          entries.delete(key);
          removed++;
        }
      }
      return removed;
    };
    for (const edit of edits) {
      if ("remove" in edit) {
        const hadFile = entries.delete(edit.path);
        const hadDir = removeUnder(edit.path) > 0;
        if (!hadFile && !hadDir) throw new TreeEditError(`cannot remove missing path ${edit.path}`);
        continue;
      }
      // Adding `a/b/c` replaces a file at `a` or `a/b` and anything that was under `a/b/c/`.
      const parts = edit.path.split("/");
      for (let i = 1; i < parts.length; i++) entries.delete(parts.slice(0, i).join("/"));
      entries.delete(edit.path);
      removeUnder(edit.path);
      if (edit.mode === "040000") {
        for (const child of await this.lsTree(edit.sha, { recursive: true })) {
          entries.set(`${edit.path}/${child.path}`, { mode: child.mode, sha: child.sha });
        }
      } else {
        entries.set(edit.path, { mode: edit.mode, sha: edit.sha });
      }
    }
    return entries;
  }

  /** update-index --index-info with what changed from `original` to `entries`, then write-tree. */
  private async updateAndWriteIndex(env: Record<string, string>, original: Map<string, IndexEntry>, entries: Map<string, IndexEntry>): Promise<string> {
    const lines: string[] = [];
    for (const path of original.keys()) {
      if (!entries.has(path)) lines.push(`0 ${ZERO_SHA}\t${path}`);
    }
    for (const [path, entry] of entries) {
      const before = original.get(path);
      if (!before || before.mode !== entry.mode || before.sha !== entry.sha) {
        lines.push(`${entry.mode} ${entry.sha}\t${path}`);
      }
    }
    if (lines.length > 0) {
      await this.run(["update-index", "-z", "--index-info"], { env, input: lines.join("\0") + "\0" });
    }
    return (await this.run(["write-tree"], { env })).trim();
  }

  /**
   * Whether the index git would build holds nothing its checks could refuse and nothing this
   * writer could spell differently: every new or changed entry has a plain path (verify_path
   * accepts it), a mode git writes as is, a non-null id naming an object that exists (write-tree
   * checks that, gitlinks aside); and no path carries U+FFFD (its bytes may not have been UTF-8).
   */
  private async writableHere(original: Map<string, IndexEntry>, entries: Map<string, IndexEntry>): Promise<boolean> {
    const lookups: Promise<unknown>[] = [];
    for (const [path, entry] of entries) {
      if (path.includes("\uFFFD")) return false;
      const before = original.get(path);
      if (before && before.mode === entry.mode && before.sha === entry.sha) continue;
      if (!WRITTEN_MODES.has(entry.mode) || !FULL_SHA.test(entry.sha) || entry.sha === ZERO_SHA) return false;
      if (!isPlainPath(path, entry.mode)) return false;
      if (entry.mode !== "160000") lookups.push(handled(this.objects.info(entry.sha)));
    }
    return (await Promise.all(lookups)).every((found) => found !== undefined);
  }

  /**
   * write-tree for an index holding exactly `entries`: one tree object per directory, entries in
   * git's order (bytes, a directory's name compared as if it ended in "/"), modes in octal without
   * leading zeros ("40000" for a directory). Undefined if a path is both a file and a directory.
   */
  private async writeTrees(entries: Map<string, IndexEntry>): Promise<string | undefined> {
    interface Dir {
      files: Map<string, IndexEntry>;
      dirs: Map<string, Dir>;
    }
    const root: Dir = { files: new Map(), dirs: new Map() };
    for (const [path, entry] of entries) {
      const parts = path.split("/");
      let dir = root;
      for (const part of parts.slice(0, -1)) {
        let sub = dir.dirs.get(part);
        if (!sub) dir.dirs.set(part, (sub = { files: new Map(), dirs: new Map() }));
        dir = sub;
      }
      dir.files.set(parts[parts.length - 1]!, entry);
    }
    const write = async (dir: Dir): Promise<string | undefined> => {
      const items: { key: Buffer; mode: string; name: string; sha: string }[] = [];
      for (const [name, sub] of dir.dirs) {
        if (dir.files.has(name)) return undefined;
        const sha = await write(sub);
        if (!sha) return undefined;
        items.push({ key: Buffer.from(`${name}/`, "utf8"), mode: "40000", name, sha });
      }
      for (const [name, entry] of dir.files) items.push({ key: Buffer.from(name, "utf8"), mode: entry.mode, name, sha: entry.sha });
      items.sort((a, b) => Buffer.compare(a.key, b.key));
      const parts: Buffer[] = [];
      for (const item of items) parts.push(Buffer.from(`${item.mode} ${item.name}\0`, "utf8"), Buffer.from(item.sha, "hex"));
      return this.writeObject("tree", Buffer.concat(parts));
    };
    return write(root);
  }

  /** Three-way merge of two commits without a worktree (`merge-tree --write-tree`). */
  async mergeTrees(ours: string, theirs: string): Promise<{ tree: string; clean: boolean }> {
    const result = await this.exec(["merge-tree", "--write-tree", "--no-messages", ours, theirs], { okCodes: [1] });
    const tree = result.stdout.toString("utf8").split("\n")[0]!.trim();
    return { tree, clean: result.code === 0 };
  }

  // ---------------------------------------------------------------- commits

  /**
   * `git commit-tree <tree> -p <parent>... -F -` with the identities and dates in its environment.
   * When git would store exactly what it was given (see commitText), the commit object is written
   * here instead.
   */
  async commitTree(o: { tree: string; parents: string[]; message: string; author?: GitIdentity; committer?: GitIdentity }): Promise<string> {
    const author = o.author ?? DEFAULT_IDENTITY;
    const committer = o.committer ?? author;
    const fallbackDate = this.nextDate();
    const env = {
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_AUTHOR_DATE: o.author?.date ?? fallbackDate,
      GIT_COMMITTER_NAME: committer.name,
      GIT_COMMITTER_EMAIL: committer.email,
      GIT_COMMITTER_DATE: o.committer?.date ?? o.author?.date ?? fallbackDate,
    };
    const text = await this.commitText(o.tree, o.parents, env, o.message);
    if (text !== undefined) return this.writeObject("commit", Buffer.from(text, "utf8"));
    const args = ["commit-tree", o.tree, ...o.parents.flatMap((parent) => ["-p", parent]), "-F", "-"];
    // commit-tree -F stores the message byte for byte, as GitHub does for API-created commits.
    return (await this.run(args, { env, input: o.message })).trim();
  }

  /**
   * The commit object commit-tree would write, when nothing in it is something git checks, rewrites
   * or refuses: the tree a tree and each parent a commit, by full id, no parent twice (git drops
   * repeats); names and emails it would not trim (fmt_ident strips leading and
   * trailing "crud" and drops < > and newlines); dates already in git's "<seconds> +0000" form; text
   * that is valid UTF-8 without noncharacters (which commit-tree would re-encode); no NUL in the
   * message (refused). Undefined otherwise: commit-tree decides.
   */
  private async commitText(tree: string, parents: string[], env: Record<string, string>, message: string): Promise<string | undefined> {
    if (!FULL_SHA.test(tree) || parents.some((parent) => !FULL_SHA.test(parent)) || new Set(parents).size !== parents.length) {
      return undefined;
    }
    const idents = [
      [env.GIT_AUTHOR_NAME!, env.GIT_AUTHOR_EMAIL!, env.GIT_AUTHOR_DATE!],
      [env.GIT_COMMITTER_NAME!, env.GIT_COMMITTER_EMAIL!, env.GIT_COMMITTER_DATE!],
    ];
    for (const [name, email, date] of idents) {
      if (!isCleanIdentPart(name!) || !isCleanIdentPart(email!) || !/^[1-9]\d{8,9} \+0000$/.test(date!)) return undefined;
    }
    if (message.includes("\0") || !isPlainUtf8(message)) return undefined;
    const [treeObject, ...parentObjects] = await Promise.all([tree, ...parents].map((sha) => this.objects.info(sha)));
    if (treeObject?.type !== "tree" || parentObjects.some((parent) => parent?.type !== "commit")) return undefined;
    const [a, c] = idents;
    return (
      `tree ${tree}\n` +
      parents.map((parent) => `parent ${parent}\n`).join("") +
      `author ${a![0]} <${a![1]}> ${a![2]}\n` +
      `committer ${c![0]} <${c![1]}> ${c![2]}\n` +
      `\n` +
      message
    );
  }

  // ---------------------------------------------------------------- diffs

  /** Changes from tree-ish `from` (undefined = empty tree) to `to`, with rename detection and line counts. */
  async diff(from: string | undefined, to: string): Promise<DiffEntry[]> {
    const raw = await this.run(diffTreeArgs(from, to, "--raw"));
    const counts = parseNumstat(await this.run(diffTreeArgs(from, to, "--numstat")));
    return parseRawDiff(raw).map((entry) => ({ ...entry, ...counts.get(entry.path) }));
  }

  /** Like diff() without line counts, synchronously. */
  diffSync(from: string | undefined, to: string): DiffEntry[] {
    return parseRawDiff(this.execSync(diffTreeArgs(from, to, "--raw")).stdout.toString("utf8"));
  }
}

interface IndexEntry {
  mode: string;
  sha: string;
}

/** Entry modes write-tree writes as they are in the index (040000 edits are expanded before). */
const WRITTEN_MODES = new Set(["100644", "100755", "120000", "160000"]);

/**
 * A path verify_path (update-index) plainly accepts, whatever core.protectNTFS/HFS say: components
 * of ASCII letters, digits, "_", "-" and ".", none of them ".", "..", ".git" (or ".git." and so on,
 * which NTFS reads as ".git"), and for a symlink none that starts with ".git" (.gitmodules).
 */
function isPlainPath(path: string, mode: string): boolean {
  return path
    .split("/")
    .every(
      (part) => /^[A-Za-z0-9_.-]+$/.test(part) && part !== "." && part !== ".." && !/^\.git\.*$/i.test(part) && !(mode === "120000" && /^\.git/i.test(part)),
    );
}

/** fmt_ident's crud: what it trims from both ends of a name or an email. */
function isCrud(char: string): boolean {
  return char <= " " || ".,:;<>\"\\'".includes(char);
}

/** A name or email fmt_ident stores unchanged: non-empty, no crud at either end, no < > or newline. */
function isCleanIdentPart(value: string): boolean {
  return value.length > 0 && !isCrud(value[0]!) && !isCrud(value[value.length - 1]!) && !/[<>\n\0]/.test(value) && isPlainUtf8(value);
}

/**
 * Text whose UTF-8 commit-tree's verify_utf8 accepts as it is: no lone surrogates (Node would
 * write U+FFFD) and no noncharacters (U+FDD0..U+FDEF, U+xxFFFE, U+xxFFFF), which git re-encodes.
 */
function isPlainUtf8(text: string): boolean {
  if (Buffer.from(text, "utf8").toString("utf8") !== text) return false;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if ((code >= 0xfdd0 && code <= 0xfdef) || (code & 0xfffe) === 0xfffe) return false;
  }
  return true;
}

interface RevListOptions {
  firstParent?: boolean;
  reverse?: boolean;
}

/** `cat-file --batch` reading `shas`: the arguments for exec/execSync. */
function catFileBatch(shas: string[]): [string[], RunOptions] {
  return [["cat-file", "--batch"], { input: shas.join("\n") + "\n" }];
}

/** diff-tree from `from` (undefined = the empty tree) to `to`, recursive, with rename detection. */
function diffTreeArgs(from: string | undefined, to: string, format: "--raw" | "--numstat"): string[] {
  return ["diff-tree", "-r", "-z", "-M", format, ...(format === "--raw" ? ["--no-abbrev"] : []), from ?? EMPTY_TREE_SHA, to];
}

function revListArgs(include: string, exclude: string[], options: RevListOptions): string[] {
  const args = ["rev-list"];
  if (options.firstParent) args.push("--first-parent");
  if (options.reverse) args.push("--reverse");
  args.push(include, ...exclude.map((sha) => `^${sha}`), "--");
  return args;
}

/** A loose ref file's text, or undefined (missing, a directory, unreadable). */
function readLoose(file: string): string | undefined {
  try {
    return readFileSync(file, "latin1");
  } catch {
    return undefined;
  }
}

/** `promise`, marked handled: a walk that stops early does not leave an unhandled rejection behind. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
