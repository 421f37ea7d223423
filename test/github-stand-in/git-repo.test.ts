import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatFileBatch } from "./cat-file-batch.js";
import { GitRepo } from "./git-repo.js";

/**
 * The in-process shortcuts of GitRepo (batch reads, tree parsing, loose blob writes) answer exactly
 * what the git commands they replace answer. An abbreviated id still takes the git command, so
 * each shortcut is compared with its own slow path on the same objects.
 */
describe("GitRepo shortcuts agree with git", () => {
  let root: string;
  let git: GitRepo;
  let commit: string;
  let tree: string;
  let blob: string;
  let commitTag: string;
  let blobTag: string;
  const gitlink = "1234567890abcdef1234567890abcdef12345678";
  const short = (sha: string) => sha.slice(0, 12);
  const out = async (args: string[], input?: string) => (await git.exec(args, { input })).stdout.toString("utf8").trim();

  const paths = ["README.md", "x.txt", "x/y.txt", "x/deeper/z.txt", "x-z", "with space.txt", "ünïcødé.txt", "run.sh", "link", "vendor/lib", "empty"];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "git-repo-test-"));
    await mkdir(join(root, "scratch"));
    git = await GitRepo.init(join(root, "r.git"), join(root, "scratch"), "main");
    const text = (content: string | Buffer) => git.hashObject(content);
    blob = await text("hello\n");
    tree = await git.buildTree(undefined, [
      { path: "README.md", mode: "100644", sha: blob },
      { path: "x.txt", mode: "100644", sha: await text("x\n") },
      { path: "x/y.txt", mode: "100644", sha: await text("y\n") },
      { path: "x/deeper/z.txt", mode: "100644", sha: await text("z".repeat(70_000)) },
      { path: "x-z", mode: "100644", sha: await text("") },
      { path: "with space.txt", mode: "100644", sha: await text("space\n") },
      { path: "ünïcødé.txt", mode: "100644", sha: await text("ü\n") },
      { path: "run.sh", mode: "100755", sha: await text("#!/bin/sh\n") },
      { path: "link", mode: "120000", sha: await text("x/y.txt") },
      { path: "vendor/lib", mode: "160000", sha: gitlink },
      { path: "empty", mode: "100644", sha: await text(Buffer.alloc(0)) },
    ]);
    commit = await git.commitTree({ tree, parents: [], message: "one\n\nbody\n" });
    await git.updateRef("refs/heads/main", commit, "0".repeat(40));
    await git.exec(["tag", "-a", "-m", "a tag", "v1", commit]);
    await git.exec(["tag", "-a", "-m", "a blob tag", "b1", blob]);
    commitTag = await out(["rev-parse", "refs/tags/v1"]);
    blobTag = await out(["rev-parse", "refs/tags/b1"]);
  });
  afterAll(async () => {
    await git.close();
    await rm(root, { recursive: true, force: true });
  });

  it("hashObject writes the loose object git writes, read-only, and git's fsck is happy", async () => {
    for (const content of ["", "hello\n", "ünï\0bytes", Buffer.from([0, 255, 10, 13])]) {
      const sha = await git.hashObject(content);
      expect(sha).toBe(await out(["hash-object", "-t", "blob", "--stdin"], content as string));
      expect(Buffer.compare(await git.readBlob(sha), Buffer.from(content))).toBe(0);
      expect((await git.exec(["cat-file", "blob", sha])).stdout.equals(Buffer.from(content))).toBe(true);
      const file = join(git.dir, "objects", sha.slice(0, 2), sha.slice(2));
      expect((await stat(file)).mode & 0o777).toBe(0o444);
      expect(await git.hashObject(content)).toBe(sha); // already there: left alone
    }
    await git.exec(["fsck", "--strict", "--no-dangling"]);
  });

  it("lsTree of a full id lists what ls-tree lists, recursive or not, with trees or not", async () => {
    for (const treeish of [commit, tree, commitTag]) {
      for (const options of [{}, { recursive: true }, { recursive: true, includeTrees: true }]) {
        const fast = await git.lsTree(treeish, options);
        const slow = await git.lsTree(short(treeish), options);
        expect(fast).toEqual(slow);
        expect(fast.length).toBeGreaterThan(3);
      }
    }
    const modes = Object.fromEntries((await git.lsTree(commit, { recursive: true })).map((e) => [e.path, [e.mode, e.type]]));
    expect(modes).toMatchObject({
      "run.sh": ["100755", "blob"],
      link: ["120000", "blob"],
      "vendor/lib": ["160000", "commit"],
      "x/deeper/z.txt": ["100644", "blob"],
    });
    const subtree = (await git.lsTree(tree)).find((entry) => entry.path === "x")!;
    expect(subtree).toMatchObject({ mode: "040000", type: "tree" });
    expect(await git.lsTree(subtree.sha)).toEqual(await git.lsTree(short(subtree.sha)));
    // Not a tree-ish: git's own error, as before.
    await expect(git.lsTree(blob)).rejects.toThrow(/not a tree object/);
    await expect(git.lsTree("f".repeat(40))).rejects.toThrow();
  });

  it("entryAt of a full id finds what ls-tree finds, and nothing where it finds nothing", async () => {
    const probes = [
      ...paths,
      "x",
      "x/deeper",
      "missing",
      "x/missing",
      "x.txt/inside",
      "vendor/lib/inside",
      "link/inside",
      "X.TXT",
      "x/y.txt ",
      "x//y.txt",
      "./x.txt",
      "x/../README.md",
    ];
    for (const path of probes) {
      const fast = await git.entryAt(commit, path);
      const slow = await git.entryAt(short(commit), path);
      expect({ path, entry: fast }).toEqual({ path, entry: slow });
    }
    expect(await git.entryAt(commit, "x/deeper/z.txt")).toMatchObject({ type: "blob", size: 70_000 });
    expect(await git.entryAt(commit, "")).toEqual({ mode: "040000", type: "tree", sha: tree, path: "" });
  });

  it("resolve, objectType, readBlob and readCommits of full ids match rev-parse and cat-file", async () => {
    const revParse = async (name: string) => {
      const result = await git.exec(["rev-parse", "--verify", "--quiet", name], { okCodes: [1, 128] });
      return result.code === 0 ? result.stdout.toString("utf8").trim() : undefined;
    };
    for (const sha of [commit, tree, blob, commitTag, blobTag, "f".repeat(40)]) {
      for (const kind of ["commit", "tree"] as const) {
        expect(await git.resolve(sha, kind)).toBe(await revParse(`${sha}^{${kind}}`));
        expect(await git.resolve(sha.toUpperCase(), kind)).toBe(await revParse(`${sha}^{${kind}}`));
      }
      const type = await git.exec(["cat-file", "-t", sha], { okCodes: [128] });
      expect(await git.objectType(sha)).toBe(type.code === 0 ? type.stdout.toString("utf8").trim() : undefined);
    }
    expect(await git.resolve("main", "commit")).toBe(commit);
    expect(await git.resolve("v1", "tree")).toBe(tree);
    expect((await git.readBlob(blob)).toString("utf8")).toBe("hello\n");
    expect((await git.readBlob(blobTag)).toString("utf8")).toBe("hello\n"); // cat-file blob peels the tag
    await expect(git.readBlob(tree)).rejects.toThrow();
    const commits = await git.readCommits([commit, tree, short(commit), commit.toUpperCase(), commitTag, commit]);
    expect(commits).toEqual(git.readCommitsSync([commit, tree, short(commit), commit.toUpperCase(), commitTag, commit]));
    expect(commits.map((c) => c.sha)).toEqual([commit, commit]);
    expect(commits[0]).toMatchObject({ tree, parents: [], message: "one\n\nbody" });
  });

  it("reads full ids without starting git processes (beyond the one batch process)", async () => {
    const counts: Record<string, number> = {};
    (globalThis as { __git?: Record<string, number> }).__git = counts;
    try {
      await git.lsTree(commit, { recursive: true, includeTrees: true });
      await git.lsTree(tree);
      await git.entryAt(commit, "x/deeper/z.txt");
      await git.entryAt(commit, "nowhere/at/all");
      await git.resolve(commit, "tree");
      await git.objectType(blob);
      await git.readBlob(blob);
      await git.readCommits([commit]);
      await git.hashObject("counted?\n");
    } finally {
      delete (globalThis as { __git?: Record<string, number> }).__git;
    }
    expect(counts).toEqual({});
  });

  it("buildTree on a full base id makes the tree it makes on an abbreviated one (listed by ls-files)", async () => {
    const edits = [
      [{ path: "x/y.txt", remove: true as const }],
      [
        { path: "x", remove: true as const },
        { path: "new/file", mode: "100644", sha: blob },
      ],
      [
        { path: "x.txt/under", mode: "100644", sha: blob },
        { path: "link", mode: "100755", sha: blob },
      ],
      [{ path: "x/deeper", mode: "040000", sha: (await git.entryAt(commit, "x/deeper"))!.sha }],
      [{ path: "vendor/lib", mode: "160000", sha: "f".repeat(40) }],
      [
        { path: ".github/chorebot.yml", mode: "100644", sha: blob },
        { path: "a-b", mode: "100644", sha: blob },
      ],
      [
        { path: "x-", mode: "100644", sha: blob },
        { path: "x.", mode: "100755", sha: blob },
        { path: "x0", mode: "100644", sha: blob },
      ],
      [
        { path: ".../a..b/-c/.gitx/.GITHUB", mode: "100644", sha: blob },
        { path: "l/.github", mode: "120000", sha: blob },
      ],
      [
        { path: "ünïcødé.txt", mode: "100644", sha: blob },
        { path: "sub/with space", mode: "100644", sha: blob },
      ],
      [
        { path: "back\\slash", mode: "100644", sha: blob },
        { path: ".gitmodules", mode: "120000", sha: blob },
      ],
      paths.map((path) => ({ path, remove: true as const })),
    ];
    for (const edit of edits) {
      expect(await git.buildTree(tree, edit)).toBe(await git.buildTree(short(tree), edit));
    }
    expect(await git.buildTree(undefined, [{ path: "only", mode: "100644", sha: blob }])).toBe(
      await git.buildTree(short(await git.buildTree(undefined, [{ path: "seed", mode: "100644", sha: blob }])), [
        { path: "seed", remove: true },
        { path: "only", mode: "100644", sha: blob },
      ]),
    );
    const counts: Record<string, number> = {};
    (globalThis as { __git?: Record<string, number> }).__git = counts;
    try {
      await git.buildTree(tree, [
        { path: "x/new.txt", mode: "100644", sha: blob },
        { path: "README.md", remove: true },
      ]);
    } finally {
      delete (globalThis as { __git?: Record<string, number> }).__git;
    }
    expect(counts).toEqual({});
    await expect(git.buildTree(tree, [{ path: "nope", remove: true }])).rejects.toThrow(/missing path/);
    // What git leaves out, it still leaves out: update-index skips a .git path (and exits 0).
    for (const dotGit of [".git/config", "x/.GIT", "x/.git./y"]) {
      expect(await git.buildTree(tree, [{ path: dotGit, mode: "100644", sha: blob }])).toBe(tree);
    }
    // What git refuses, it still refuses: a null id (update-index), a missing blob (write-tree).
    for (const bad of [
      { path: "missing-blob", mode: "100644", sha: "e".repeat(40) },
      { path: "null", mode: "100644", sha: "0".repeat(40) },
    ]) {
      await expect(git.buildTree(tree, [bad])).rejects.toThrow(/exited with 128/);
    }
  });

  it("commitTree writes the commit commit-tree writes, and leaves what git would rewrite to it", async () => {
    const date = "1700000000 +0000";
    const identities = [
      { name: "chorebot[bot]", email: "41898282+chorebot[bot]@users.noreply.github.com", date },
      { name: "Ada Lovelace", email: "ada@example.com", date },
      { name: "Ünï Cødé 🎉", email: "u@example.com", date },
    ];
    const messages = ["", "one", "one\n", "subject\n\nbody\n\n\n", "crlf\r\nline\r\n", "ünï 🎉\ttab", "* a\n* b"];
    const side = await git.commitTree({ tree, parents: [commit], message: "side", author: identities[1] });
    for (const parents of [[], [commit], [commit, side]]) {
      for (const message of messages) {
        for (const author of identities) {
          const committer = identities[0];
          const fast = await git.commitTree({ tree, parents, message, author, committer });
          const slow = await git.commitTree({ tree: short(tree), parents, message, author, committer });
          expect({ message, fast }).toEqual({ message, fast: slow });
        }
      }
    }
    // Left to git (and so whatever it does): crud to trim, an ISO date, a repeated parent, a noncharacter.
    for (const odd of [
      { author: { name: " Padded. ", email: "<a@example.com>", date } },
      { author: { name: "Iso", email: "iso@example.com", date: "2024-01-02T03:04:05Z" } },
      { parents: [commit, commit] },
      { message: "non\uFFFEcharacter" },
    ]) {
      const sha = await git.commitTree({ tree, parents: [commit], message: "odd", author: identities[1], ...odd });
      expect(await git.objectType(sha)).toBe("commit");
    }
    const [padded] = await git.readCommits([
      await git.commitTree({ tree, parents: [], message: "m", author: { name: " Padded. ", email: "<a@example.com>", date } }),
    ]);
    expect(padded!.author).toMatchObject({ name: "Padded", email: "a@example.com" });
    await expect(git.commitTree({ tree: blob, parents: [], message: "m" })).rejects.toThrow(/exited with 128/);
    await expect(git.commitTree({ tree, parents: [tree], message: "m" })).rejects.toThrow(/exited with 128/);
    await expect(git.commitTree({ tree, parents: [commitTag], message: "m" })).rejects.toThrow(/not a valid 'commit' object/);
    await expect(git.commitTree({ tree, parents: [], message: "nul\0byte" })).rejects.toThrow();
    await git.exec(["fsck", "--strict", "--no-dangling"]);
  });

  it("readRef reads a plain loose ref itself and leaves packed, symbolic and missing ones to rev-parse", async () => {
    const revParse = async (name: string) => {
      const result = await git.exec(["rev-parse", "--verify", "--quiet", name], { okCodes: [1, 128] });
      return result.code === 0 ? result.stdout.toString("utf8").trim() : undefined;
    };
    const second = await git.commitTree({ tree, parents: [commit], message: "two" });
    await git.updateRef("refs/heads/feature/one", commit, "0".repeat(40));
    const counts: Record<string, number> = {};
    (globalThis as { __git?: Record<string, number> }).__git = counts;
    try {
      expect(await git.readRef("refs/heads/feature/one")).toBe(commit);
      await git.updateRef("refs/heads/feature/one", second, commit);
      expect(await git.readRef("refs/heads/feature/one")).toBe(second);
    } finally {
      delete (globalThis as { __git?: Record<string, number> }).__git;
    }
    expect(counts).toEqual({}); // the move between the reads is updateRef's own (see below)
    await git.exec(["symbolic-ref", "refs/heads/sym", "refs/heads/feature/one"]);
    await git.updateRef("refs/tags/packed", commit, "0".repeat(40));
    await git.exec(["pack-refs", "--all"]);
    await git.updateRef("refs/heads/feature/one", commit, second); // loose again, over the packed one
    for (const ref of [
      "refs/heads/main",
      "refs/heads/feature/one",
      "refs/heads/sym",
      "refs/tags/packed",
      "refs/tags/v1",
      "refs/heads/feature",
      "refs/heads/none",
      "refs/heads",
    ]) {
      expect({ ref, sha: await git.readRef(ref) }).toEqual({ ref, sha: await revParse(ref) });
    }
    expect(await git.readRef("refs/heads/sym")).toBe(commit);
    expect(await git.readRef("refs/heads/none")).toBeUndefined();
  });

  it("updateRef moves a plain loose ref like update-ref does, and leaves everything else to it", async () => {
    const second = await git.commitTree({ tree, parents: [commit], message: "second" });
    const ref = "refs/heads/moving";
    const refFile = join(git.dir, ref);
    expect(await git.updateRef(ref, commit, "0".repeat(40))).toBe(true); // creation: update-ref
    expect(await git.updateRef(ref, commit, "0".repeat(40))).toBe(false); // exists already
    const counts: Record<string, number> = {};
    (globalThis as { __git?: Record<string, number> }).__git = counts;
    try {
      expect(await git.updateRef(ref, second, commit)).toBe(true);
      expect(await readFile(refFile, "utf8")).toBe(`${second}\n`);
      expect(await git.updateRef(ref, second, second)).toBe(true); // to where it is
    } finally {
      delete (globalThis as { __git?: Record<string, number> }).__git;
    }
    expect(counts).toEqual({});
    expect(await git.readRef(ref)).toBe(second);
    // Refused, as update-ref refuses: the wrong old value, a non-commit on a branch, a missing object.
    expect(await git.updateRef(ref, commit, commit)).toBe(false);
    expect(await git.updateRef(ref, tree, second)).toBe(false);
    expect(await git.updateRef(ref, "e".repeat(40), second)).toBe(false);
    expect(await git.readRef(ref)).toBe(second);
    // A tag may point at any object.
    await git.updateRef("refs/tags/moving", commit, "0".repeat(40));
    expect(await git.updateRef("refs/tags/moving", tree, commit)).toBe(true);
    expect(await git.readRef("refs/tags/moving")).toBe(tree);
    // Someone else holds the lock: update-ref's answer (it gives up).
    await writeFile(`${refFile}.lock`, "");
    expect(await git.updateRef(ref, commit, second)).toBe(false);
    await rm(`${refFile}.lock`);
    expect(await git.updateRef(ref, commit, second)).toBe(true);
    expect(await git.exec(["for-each-ref", "--format=%(refname) %(objectname)", ref]).then((r) => r.stdout.toString().trim())).toBe(`${ref} ${commit}`);
  });

  it("isAncestor walks parents for what merge-base --is-ancestor answers, and asks it past the walk limit", async () => {
    const mergeBase = async (a: string, b: string) => {
      const result = await git.exec(["merge-base", "--is-ancestor", a, b], { okCodes: [1, 128] });
      return result.code === 128 ? "error" : result.code === 0;
    };
    const c2 = await git.commitTree({ tree, parents: [commit], message: "c2" });
    const side = await git.commitTree({ tree, parents: [commit], message: "side" });
    const merge = await git.commitTree({ tree, parents: [c2, side], message: "merge" });
    const other = await git.commitTree({ tree, parents: [], message: "another root" });
    const shas = [commit, c2, side, merge, other, commitTag];
    for (const a of shas) {
      for (const b of shas) {
        expect({ a, b, is: await git.isAncestor(a, b) }).toEqual({ a, b, is: await mergeBase(a, b) });
      }
    }
    let tip = commit;
    for (let i = 0; i < 70; i++) tip = await git.commitTree({ tree, parents: [tip], message: `chain ${i}` });
    expect(await git.isAncestor(commit, tip)).toBe(true);
    expect(await git.isAncestor(tip, commit)).toBe(false);
    expect(await git.isAncestor(other, tip)).toBe(false);
    await expect(git.isAncestor(tree, commit)).rejects.toThrow();
    await expect(git.isAncestor(commit, "f".repeat(40))).rejects.toThrow();
  });

  it("sees objects written after the batch process started", async () => {
    await git.objectType(commit); // the process is running
    const sha = await out(["hash-object", "-w", "--stdin"], "written by another process\n");
    expect(await git.objectType(sha)).toBe("blob");
    expect((await git.readBlob(sha)).toString("utf8")).toBe("written by another process\n");
  });
});

describe("CatFileBatch", () => {
  let root: string;
  let git: GitRepo;
  let blob: string;
  const env = () => ({ ...process.env, GIT_DIR: join(root, "r.git"), GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" }) as Record<string, string>;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "cat-file-batch-test-"));
    await mkdir(join(root, "scratch"));
    git = await GitRepo.init(join(root, "r.git"), join(root, "scratch"), "main");
    blob = await git.hashObject("z".repeat(300_000));
  });
  afterAll(async () => {
    await git.close();
    await rm(root, { recursive: true, force: true });
  });

  it("answers many requests in flight in order, large contents included", async () => {
    let spawned = 0;
    const batch = new CatFileBatch(env(), () => spawned++);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? batch.contents(blob) : batch.info(i % 4 ? blob : "f".repeat(40)))));
    answers.forEach((answer, i) => {
      if (i % 2) expect(answer?.data?.length).toBe(300_000);
      else if (i % 4) expect(answer).toEqual({ oid: blob, type: "blob", size: 300_000 });
      else expect(answer).toBeUndefined();
    });
    expect(spawned).toBe(1);
    await batch.close();
    await expect(batch.info(blob)).rejects.toThrow(/closed/);
  });

  it("restarts when its process dies, re-sending what was in flight", async () => {
    let spawned = 0;
    const batch = new CatFileBatch(env(), () => spawned++);
    expect(await batch.info(blob)).toMatchObject({ size: 300_000 });
    const child = (batch as unknown as { child: { kill(signal: string): void } }).child;
    const inFlight = [batch.contents(blob), batch.info(blob)];
    child.kill("SIGKILL");
    const [contents, info] = await Promise.all(inFlight);
    expect(contents?.data?.length).toBe(300_000);
    expect(info?.size).toBe(300_000);
    expect(await batch.info(blob)).toMatchObject({ oid: blob });
    expect(spawned).toBe(2);
    await batch.close();
  });

  it("refuses names that are not full ids (refs can move; git caches what abbreviations mean)", async () => {
    const batch = new CatFileBatch(env());
    await expect(batch.info("main")).rejects.toThrow(/refusing/);
    await expect(batch.info(blob.slice(0, 10))).rejects.toThrow(/refusing/);
    await expect(batch.info(`${blob}\ninfo ${blob}`)).rejects.toThrow(/refusing/);
    await batch.close();
  });
});
