import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { listFolderAtCommit } from "../../../src/github/list-folder-at-commit.js";
import { TestOctokit } from "../../helpers/test-probot.js";

const COMMIT = "c".repeat(40);
const at = { owner: "acme", repo: "widgets", commit: COMMIT };
const entry = (path: string, type: string, sha: string) => ({ path, mode: type === "tree" ? "040000" : "100644", type, sha });
const trees = () => nock("https://api.github.com");
const list = () => listFolderAtCommit(new TestOctokit({ auth: "token" }), at, "ops/scripts");

describe("listFolderAtCommit", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  it("takes the folder's files, symlinks and submodules from one recursive listing", async () => {
    trees()
      .get(`/repos/acme/widgets/git/trees/${COMMIT}`)
      .query({ recursive: "1" })
      .reply(200, {
        truncated: false,
        tree: [
          entry("ops", "tree", "t1"),
          entry("ops/scripts", "tree", "t2"),
          entry("ops/scripts/a.ts", "blob", "b1"),
          entry("ops/scripts/vendored", "commit", "s1"),
          entry("ops/scripts-old/b.ts", "blob", "b2"),
          entry("src/c.ts", "blob", "b3"),
        ],
      });
    expect(await list()).toEqual({
      complete: true,
      files: new Map([
        ["ops/scripts/a.ts", "b1"],
        ["ops/scripts/vendored", "s1"],
      ]),
    });
  });

  it("walks the folder one tree at a time when GitHub truncates the recursive listing", async () => {
    trees()
      .get(`/repos/acme/widgets/git/trees/${COMMIT}`)
      .query({ recursive: "1" })
      .reply(200, { truncated: true, tree: [entry("ops/scripts/a.ts", "blob", "b1")] })
      .get(`/repos/acme/widgets/git/trees/${COMMIT}`)
      .reply(200, { truncated: false, tree: [entry("ops", "tree", "t-ops"), entry("src", "tree", "t-src")] })
      .get("/repos/acme/widgets/git/trees/t-ops")
      .reply(200, { truncated: false, tree: [entry("scripts", "tree", "t-scripts")] })
      .get("/repos/acme/widgets/git/trees/t-scripts")
      .reply(200, { truncated: false, tree: [entry("a.ts", "blob", "b1"), entry("z.ts", "blob", "b9"), entry("deep", "tree", "t-deep")] })
      .get("/repos/acme/widgets/git/trees/t-deep")
      .reply(200, { truncated: false, tree: [entry("d.ts", "blob", "b4")] });
    expect(await list()).toEqual({
      complete: true,
      files: new Map([
        ["ops/scripts/a.ts", "b1"],
        ["ops/scripts/z.ts", "b9"],
        ["ops/scripts/deep/d.ts", "b4"],
      ]),
    });
  });

  it("says it is incomplete rather than leave scripts out when even a single tree comes back truncated", async () => {
    trees()
      .get(`/repos/acme/widgets/git/trees/${COMMIT}`)
      .query({ recursive: "1" })
      .reply(200, { truncated: true, tree: [] })
      .get(`/repos/acme/widgets/git/trees/${COMMIT}`)
      .reply(200, { truncated: false, tree: [entry("ops", "tree", "t-ops")] })
      .get("/repos/acme/widgets/git/trees/t-ops")
      .reply(200, { truncated: false, tree: [entry("scripts", "tree", "t-scripts")] })
      .get("/repos/acme/widgets/git/trees/t-scripts")
      .reply(200, { truncated: true, tree: [] });
    expect(await list()).toEqual({ complete: false, reason: `GitHub truncated the listing of ops/scripts at ccccccc` });
  });
});
