import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { analyzePullRequest } from "../../../src/checks/analyze-pull-request.js";
import { TestOctokit } from "../../helpers/test-probot.js";
import { fakeGitHub, freshSha, type FakeRepo } from "../checks/fake-github.js";

// An inputs file whose name misses `.inputs.yml` only by case is never read: the script runs on
// its defaults (a reviewed `dryRun: true` ignored, the default `false` run). The check must say so.
const limits = { minApprovals: 1, maxTimeoutMs: 900_000, minChorePermission: "write" as const };
let scriptCwd: string;

const SCRIPT = `import { defineScript, bool } from "chorebot";
export default defineScript({
  inputs: { dryRun: bool({ default: false }) },
  async run({ inputs }) { console.log(inputs.dryRun); },
});
`;

async function analyze(inputsPath: string) {
  const repo: FakeRepo = {
    owner: "acme",
    repo: "ops",
    number: 7,
    headSha: freshSha(),
    author: "alice",
    files: { "scripts/fix.ts": SCRIPT, [inputsPath]: "dryRun: true\n" },
    prFiles: ["scripts/fix.ts", inputsPath].map((filename) => ({ filename, status: "added" })),
  };
  fakeGitHub(repo);
  return (await analyzePullRequest(new TestOctokit({ auth: "token" }), { ...repo, baseRef: "main", author: "alice" }, { scriptCwd, scriptEnv: [], limits }))!;
}

describe("an inputs file named in another case", () => {
  beforeAll(async () => {
    nock.disableNetConnect();
    scriptCwd = await mkdtemp(join(tmpdir(), "chorebot-cwd-near-miss-"));
  });
  afterAll(async () => {
    await rm(scriptCwd, { recursive: true, force: true });
  });
  afterEach(() => nock.cleanAll());

  it.each(["scripts/fix.Inputs.yml", "scripts/fix.inputs.YML", "scripts/fix.INPUTS.YAML", "scripts/fix.inputs.yaml"])(
    "fails %s, which chorebot would not read",
    async (path) => {
      const report = await analyze(path);
      expect(report.conclusion).not.toBe("success");
      expect(report.annotations).toEqual([expect.objectContaining({ path, annotation_level: "failure", title: "Inputs file not read" })]);
    },
  );
});
