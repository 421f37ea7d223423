import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { readRepoEntry } from "../../../src/github/read-file-at-commit.js";
import { TestOctokit } from "../../helpers/test-probot.js";

const at = { owner: "acme", repo: "widgets", commit: "c".repeat(40), path: "scripts/fix.ts" };
const contents = () =>
  nock("https://api.github.com")
    .get(/\/repos\/acme\/widgets\/contents\/scripts(\/|%2F)fix\.ts/)
    .query({ ref: at.commit });
const read = () => readRepoEntry(new TestOctokit({ auth: "token" }), at);
const base64 = (bytes: Buffer | string) => Buffer.from(bytes).toString("base64");

describe("readRepoEntry", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  it("reads a regular UTF-8 file", async () => {
    contents().reply(200, { type: "file", path: at.path, sha: "b".repeat(40), encoding: "base64", content: base64("console.log('é')\n") });
    expect(await read()).toEqual({ kind: "file", text: "console.log('é')\n", sha: "b".repeat(40) });
  });

  it("treats a missing path and a directory as missing", async () => {
    contents().reply(404, { message: "Not Found" });
    expect(await read()).toEqual({ kind: "missing" });
    contents().reply(200, [{ type: "file", path: "scripts/fix.ts/a.ts" }]);
    expect(await read()).toEqual({ kind: "missing" });
  });

  it.each([
    ["a symlink to something outside the repository", { type: "symlink", path: at.path, target: "/etc/passwd" }, /symbolic link/],
    ["a symlink the API followed to another file", { type: "file", path: "src/secrets.ts", encoding: "base64", content: base64("x") }, /symbolic link/],
    ["a submodule", { type: "submodule", path: at.path, submodule_git_url: "https://example.com/x.git" }, /submodule/],
    ["a file with a NUL byte", { type: "file", path: at.path, encoding: "base64", content: base64(Buffer.from([0x61, 0, 0x62])) }, /not a UTF-8 text file/],
    ["invalid UTF-8", { type: "file", path: at.path, encoding: "base64", content: base64(Buffer.from([0xff, 0xfe, 0x41])) }, /not a UTF-8 text file/],
    ["a file too large for the contents API", { type: "file", path: at.path, encoding: "none", content: "" }, /too large/],
  ])("refuses %s, saying why", async (_name, body, reason) => {
    contents().reply(200, body);
    const entry = await read();
    expect(entry.kind).toBe("refused");
    expect(entry.kind === "refused" && entry.reason).toMatch(reason);
  });

  it("lets a GitHub error through so the job is retried", async () => {
    contents().reply(502, { message: "Bad Gateway" });
    await expect(read()).rejects.toMatchObject({ status: 502 });
  });
});
