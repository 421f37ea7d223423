import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startGitHubStandIn, type GitHubStandIn } from "./index.js";
import { client, type Api } from "./test-client.js";

/** Bytes that are not valid UTF-8 (a lone 0xff, a NUL, a truncated sequence). */
const BINARY = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x0a]);
const SUBMODULE_SHA = "c0ffee".padEnd(40, "0");
const GITMODULES = '[submodule "tool"]\n\tpath = vendor/tool\n\turl = https://github.com/acme/tool.git\n';

describe("GitHub stand-in: non-regular files in commits", () => {
  let gh: GitHubStandIn;
  let api: Api;
  const repoPath = () => `/repos/${gh.owner}/${gh.repo}`;
  const contents = (path: string, ref = "main") => api("GET", `${repoPath()}/contents/${path}?ref=${ref}`);

  beforeAll(async () => {
    gh = await startGitHubStandIn();
    api = await client(gh);
  });
  afterAll(async () => {
    await gh.close();
  });

  it("commitFiles writes binary files, symlinks and gitlinks with the right modes", async () => {
    const before = await gh.head();
    const after = await gh.commitFiles({
      files: {
        "assets/blob.bin": BINARY,
        "docs/readme-link": { symlink: "../README.md" },
        "link-to-dir": { symlink: "scripts" },
        escape: { symlink: "../../etc/passwd" },
        "vendor/tool": { submodule: SUBMODULE_SHA },
        ".gitmodules": GITMODULES,
      },
    });
    const treeSha = (await api("GET", `${repoPath()}/git/commits/${after}`)).body.tree.sha as string;
    const tree = await api("GET", `${repoPath()}/git/trees/${treeSha}?recursive=1`);
    const modes = Object.fromEntries(tree.body.tree.map((entry: { path: string; mode: string; type: string }) => [entry.path, `${entry.mode} ${entry.type}`]));
    expect(modes).toMatchObject({
      "assets/blob.bin": "100644 blob",
      "docs/readme-link": "120000 blob",
      "link-to-dir": "120000 blob",
      escape: "120000 blob",
      "vendor/tool": "160000 commit",
      ".gitmodules": "100644 blob",
    });
    expect(tree.body.tree).toContainEqual(expect.objectContaining({ path: "vendor/tool", sha: SUBMODULE_SHA }));

    // compare lists every kind as an added file.
    const compare = await api("GET", `${repoPath()}/compare/${before}...${after}`);
    expect(compare.status).toBe(200);
    expect(compare.body.files.map((f: { filename: string; status: string }) => [f.filename, f.status])).toEqual([
      [".gitmodules", "added"],
      ["assets/blob.bin", "added"],
      ["docs/readme-link", "added"],
      ["escape", "added"],
      ["link-to-dir", "added"],
      ["vendor/tool", "added"],
    ]);
    expect(compare.body.files.find((f: { filename: string }) => f.filename === "vendor/tool").sha).toBe(SUBMODULE_SHA);

    expect(await gh.listFiles("main")).toEqual([
      ".gitmodules",
      "README.md",
      "assets/blob.bin",
      "docs/readme-link",
      "escape",
      "link-to-dir",
      "scripts/.gitkeep",
      "vendor/tool",
    ]);
    expect(await gh.readFile("main", "README.md")).toMatch(/^# widgets\n/);
    expect(await gh.readFile("main", "docs/readme-link")).toBe("../README.md");
    expect(await gh.readFile("main", "vendor/tool")).toBeUndefined();
    const payload = gh.pushPayload({ before, after }) as { commits: { added: string[] }[] };
    expect(payload.commits[0]!.added).toContain("vendor/tool");
  });

  it("contents answers for a binary file with its exact bytes, base64-encoded", async () => {
    const file = await contents("assets/blob.bin");
    expect(file.status).toBe(200);
    expect(file.body).toMatchObject({ type: "file", encoding: "base64", name: "blob.bin", path: "assets/blob.bin", size: BINARY.length });
    expect(Buffer.from(file.body.content, "base64").equals(BINARY)).toBe(true);
    expect(file.body.download_url).toContain("/raw/acme/widgets/main/assets/blob.bin");
  });

  it("contents follows a symlink to a regular file and answers with the target file", async () => {
    const link = await contents("docs/readme-link");
    expect(link.status).toBe(200);
    const readme = await contents("README.md");
    // GitHub answers with the target's own object: name, path, sha, url… are the target's.
    expect(link.body).toEqual(readme.body);
    expect(link.body).toMatchObject({ type: "file", name: "README.md", path: "README.md" });
    expect(Buffer.from(link.body.content, "base64").toString("utf8")).toBe(await gh.readFile("main", "README.md"));
  });

  it("contents describes symlinks to directories or outside the repository as symlinks", async () => {
    const toDir = await contents("link-to-dir");
    expect(toDir.status).toBe(200);
    expect(toDir.body).toMatchObject({ type: "symlink", target: "scripts", name: "link-to-dir", path: "link-to-dir" });
    expect(toDir.body).not.toHaveProperty("content");
    const outside = await contents("escape");
    expect(outside.body).toMatchObject({ type: "symlink", target: "../../etc/passwd", path: "escape" });
    const listing = await contents("docs");
    expect(listing.body.map((item: { path: string; type: string }) => [item.path, item.type])).toEqual([["docs/readme-link", "symlink"]]);
  });

  it("contents describes a gitlink as a submodule with the url from .gitmodules", async () => {
    const sub = await contents("vendor/tool");
    expect(sub.status).toBe(200);
    expect(sub.body).toMatchObject({
      type: "submodule",
      name: "tool",
      path: "vendor/tool",
      sha: SUBMODULE_SHA,
      size: 0,
      submodule_git_url: "https://github.com/acme/tool.git",
      download_url: null,
    });
    expect(sub.body).not.toHaveProperty("content");
    const listing = await contents("vendor");
    // Listings call submodules "file" (documented, for backwards compatibility).
    expect(listing.body.map((item: { path: string; type: string }) => [item.path, item.type])).toEqual([["vendor/tool", "file"]]);
  });

  it("mergePullRequest takes the same kinds, for merge and squash", async () => {
    for (const merge of ["merge", "squash"] as const) {
      const dir = `pr-${merge}`;
      const merged = await gh.mergePullRequest({
        merge,
        files: {
          [`${dir}/tool.bin`]: BINARY,
          [`${dir}/current`]: { symlink: "tool.bin" },
          [`${dir}/dep`]: { submodule: SUBMODULE_SHA.toUpperCase() },
        },
      });
      const compare = await api("GET", `${repoPath()}/compare/${merged.before}...${merged.after}`);
      expect(compare.body.files.map((f: { filename: string; status: string }) => [f.filename, f.status])).toEqual([
        [`${dir}/current`, "added"],
        [`${dir}/dep`, "added"],
        [`${dir}/tool.bin`, "added"],
      ]);
      const current = await contents(`${dir}/current`, merged.after);
      expect(current.body).toMatchObject({ type: "file", path: `${dir}/tool.bin` });
      expect(Buffer.from(current.body.content, "base64").equals(BINARY)).toBe(true);
      const dep = await contents(`${dir}/dep`, merged.after);
      // No .gitmodules entry for this path: GitHub cannot name the submodule's repository.
      expect(dep.body).toMatchObject({ type: "submodule", sha: SUBMODULE_SHA, submodule_git_url: null });
    }
  });

  it("replaces a submodule by a file and deletes symlinks like any path", async () => {
    await gh.commitFiles({ files: { "vendor/tool": "now a file\n", "link-to-dir": null, ".gitmodules": null } });
    expect(await gh.readFile("main", "vendor/tool")).toBe("now a file\n");
    expect((await contents("vendor/tool")).body).toMatchObject({ type: "file" });
    expect((await contents("link-to-dir")).status).toBe(404);
  });

  it("rejects malformed entries without moving the branch", async () => {
    const before = await gh.head();
    await expect(gh.commitFiles({ files: { "vendor/bad": { submodule: "abc123" } } })).rejects.toThrow(/vendor\/bad: expected .*40-hex sha/);
    await expect(gh.commitFiles({ files: { "bad-link": { symlink: "" } } })).rejects.toThrow(/bad-link: expected/);
    expect(await gh.head()).toBe(before);
  });
});

describe("GitHub stand-in: beforeNext and failNext", () => {
  let gh: GitHubStandIn;
  let api: Api;
  const repoPath = () => `/repos/${gh.owner}/${gh.repo}`;

  beforeAll(async () => {
    gh = await startGitHubStandIn();
    api = await client(gh);
  });
  afterAll(async () => {
    await gh.close();
  });

  /** The app's write sequence up to (not including) the ref update: read main, write a tree and a commit on it. */
  async function prepareCommit(path: string): Promise<{ parent: string; commit: string }> {
    const ref = await api("GET", `${repoPath()}/git/ref/heads/main`);
    const parent = ref.body.object.sha as string;
    const parentTree = (await api("GET", `${repoPath()}/git/commits/${parent}`)).body.tree.sha as string;
    const tree = await api("POST", `${repoPath()}/git/trees`, {
      base_tree: parentTree,
      tree: [{ path, mode: "100644", type: "blob", content: `${path}\n` }],
    });
    const commit = await api("POST", `${repoPath()}/git/commits`, { message: path, tree: tree.body.sha, parents: [parent] });
    expect(commit.status).toBe(201);
    return { parent, commit: commit.body.sha as string };
  }

  it("a push in a beforeNext hook makes the PATCH with the old parent a 422 'Update is not a fast forward'", async () => {
    const { parent, commit } = await prepareCommit("runs/raced.log");
    let pushed: string | undefined;
    gh.beforeNext({ method: "PATCH", path: /^\/repos\/acme\/widgets\/git\/refs\/heads\/main$/ }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 20)); // the other push takes a moment
      pushed = await gh.commitFiles({ files: { "README.md": "changed\n" }, author: "mallory" });
    });
    // Requests that do not match run without the hook.
    expect((await api("GET", `${repoPath()}/git/ref/heads/main`)).body.object.sha).toBe(parent);
    expect(pushed).toBeUndefined();

    const patched = await api("PATCH", `${repoPath()}/git/refs/heads/main`, { sha: commit, force: false });
    expect(patched.status).toBe(422);
    expect(patched.body).toMatchObject({ message: "Update is not a fast forward", documentation_url: expect.any(String) });
    expect(pushed).toMatch(/^[0-9a-f]{40}$/);
    expect(await gh.head()).toBe(pushed);
    expect((await gh.commits())[0]).toMatchObject({ sha: pushed, parents: [parent] });
    expect(await gh.readFile("main", "README.md")).toBe("changed\n");
    expect(gh.requests.at(-1)).toMatchObject({ method: "PATCH", path: "/repos/acme/widgets/git/refs/heads/main", status: 422 });

    // The hook was used up: redoing the work on the new tip succeeds.
    const retry = await prepareCommit("runs/raced.log");
    expect(retry.parent).toBe(pushed);
    const ok = await api("PATCH", `${repoPath()}/git/refs/heads/main`, { sha: retry.commit, force: false });
    expect(ok.status).toBe(200);
    expect(await gh.head()).toBe(retry.commit);
  });

  it("runs the hook for the next `times` matches, concurrent requests and hooks do not deadlock on the mutex", async () => {
    const before = await gh.head();
    let calls = 0;
    gh.beforeNext({ method: "post", path: /\/git\/trees$/, times: 2 }, async () => {
      const n = ++calls;
      await gh.mergePullRequest({ files: { [`runs/hook-${n}.log`]: `${n}\n` } });
    });
    const base = (await api("GET", `${repoPath()}/git/commits/${before}`)).body.tree.sha as string;
    const results = await Promise.all([
      ...Array.from({ length: 3 }, (_, i) =>
        api("POST", `${repoPath()}/git/trees`, {
          base_tree: base,
          tree: [{ path: `runs/concurrent-${i}.log`, mode: "100644", type: "blob", content: `${i}\n` }],
        }),
      ),
      gh.commitFiles({ files: { "runs/direct.log": "direct\n" } }).then(() => ({ status: 201 })),
    ]);
    expect(results.map((result) => result.status)).toEqual([201, 201, 201, 201]);
    expect(calls).toBe(2);
    expect(await gh.listFiles("main", "runs")).toEqual(expect.arrayContaining(["runs/hook-1.log", "runs/hook-2.log", "runs/direct.log"]));

    // Used up: a further matching request runs no hook.
    await api("POST", `${repoPath()}/git/trees`, { base_tree: base, tree: [{ path: "x", mode: "100644", type: "blob", content: "x" }] });
    expect(calls).toBe(2);
  });

  it("holds the request until the hook settles; a failing hook answers 500", async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let entered = false;
    gh.beforeNext({ method: "GET", path: /^\/repos\/acme\/widgets$/ }, async () => {
      entered = true;
      await released;
    });
    let answered = false;
    const pending = api("GET", repoPath()).then((result) => {
      answered = true;
      return result;
    });
    await expect.poll(() => entered).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answered).toBe(false);
    release();
    expect((await pending).status).toBe(200);

    gh.beforeNext({ method: "GET", path: /^\/repos\/acme\/widgets$/ }, async () => {
      throw new Error("hook exploded");
    });
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const failed = await api("GET", repoPath());
      expect(failed).toMatchObject({ status: 500, body: { message: expect.stringContaining("hook exploded") } });
      expect(logged).toHaveBeenCalledWith(expect.stringContaining("beforeNext hook"), expect.any(Error));
    } finally {
      logged.mockRestore();
    }
    expect((await api("GET", repoPath())).status).toBe(200);
  });

  it("failNext sends a 429 secondary rate limit with retry-after, GitHub-style", async () => {
    const body = {
      message:
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.",
      documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
    };
    gh.failNext({ method: "POST", path: /\/git\/blobs$/, status: 429, headers: { "retry-after": "1" }, body });
    const limited = await api("POST", `${repoPath()}/git/blobs`, { content: "x" });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual(body);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(limited.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(limited.headers.get("x-github-request-id")).toBeTruthy();
    expect(gh.requests.at(-1)).toMatchObject({ method: "POST", path: "/repos/acme/widgets/git/blobs", status: 429 });

    const ok = await api("POST", `${repoPath()}/git/blobs`, { content: "x" });
    expect(ok.status).toBe(201);
    expect(ok.headers.get("retry-after")).toBeNull();
  });

  it("beforeNext runs before failNext on the same request", async () => {
    const order: string[] = [];
    gh.beforeNext({ method: "GET", path: /\/git\/ref\/heads\/main$/ }, async () => {
      order.push("hook");
    });
    gh.failNext({ method: "GET", path: /\/git\/ref\/heads\/main$/, status: 502 });
    const result = await api("GET", `${repoPath()}/git/ref/heads/main`);
    order.push(String(result.status));
    expect(order).toEqual(["hook", "502"]);
  });
});
