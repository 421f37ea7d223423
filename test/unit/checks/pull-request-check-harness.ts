import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterAll, afterEach, beforeAll } from "vitest";
import { analyzePullRequest, type CheckSettings } from "../../../src/checks/analyze-pull-request.js";
import { TestOctokit } from "../../helpers/test-probot.js";
import { fakeGitHub, freshSha } from "./fake-github.js";

const limits = { minApprovals: 1, maxTimeoutMs: 900_000, minChorePermission: "write" as const };

/**
 * The pull request check of acme/ops#9 (alice's, on a fresh head commit) over a fake GitHub:
 * `analyze(files)` adds `files` in the pull request and gives the check's report, with the
 * server's default limits and `more` settings. Scripts are read in a throwaway directory named
 * for `name`; no other request leaves. Registers its own hooks.
 */
export function pullRequestCheckHarness(name: string) {
  let scriptCwd: string;
  beforeAll(async () => {
    nock.disableNetConnect();
    scriptCwd = await mkdtemp(join(tmpdir(), `chorebot-cwd-${name}-`));
  });
  afterAll(async () => {
    await rm(scriptCwd, { recursive: true, force: true });
  });
  afterEach(() => nock.cleanAll());

  return async function analyze(files: Record<string, string>, more: Partial<CheckSettings> = {}) {
    const repo = {
      owner: "acme",
      repo: "ops",
      number: 9,
      headSha: freshSha(),
      author: "alice",
      files,
      prFiles: Object.keys(files).map((filename) => ({ filename, status: "added" })),
    };
    fakeGitHub(repo);
    const settings: CheckSettings = { scriptCwd, scriptEnv: [], limits, ...more };
    return (await analyzePullRequest(new TestOctokit({ auth: "token" }), { ...repo, baseRef: "main" }, settings))!;
  };
}
