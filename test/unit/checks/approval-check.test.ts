import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { analyzePullRequest, type CheckSettings } from "../../../src/checks/analyze-pull-request.js";
import { renderApprovals } from "../../../src/checks/render-approvals.js";
import { TestOctokit } from "../../helpers/test-probot.js";
import { fakeGitHub, freshSha } from "./fake-github.js";

const limits = { minApprovals: 1, maxTimeoutMs: 900_000, minChorePermission: "write" as const };
let scriptCwd: string;

async function analyze(files: Record<string, string>) {
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
  const settings: CheckSettings = { scriptCwd, scriptEnv: [], limits };
  return (await analyzePullRequest(new TestOctokit({ auth: "token" }), { ...repo, baseRef: "main" }, settings))!;
}

const chore = (approval: string) => `import { defineScript } from "chorebot";\nexport default defineScript({\n  approval: ${approval},\n  run() {},\n});\n`;

describe("the pull request check and approvals at run time", () => {
  beforeAll(async () => {
    nock.disableNetConnect();
    scriptCwd = await mkdtemp(join(tmpdir(), "chorebot-cwd-approval-"));
  });
  afterAll(async () => {
    await rm(scriptCwd, { recursive: true, force: true });
  });
  afterEach(() => nock.cleanAll());

  it("says how many approvals each run of a chore waits for, and for how long", async () => {
    const report = await analyze({ "chores/refund.ts": chore('{ count: 2, timeout: "2d" }'), "chores/plain.ts": chore("{ count: 1 }") });
    expect(report.conclusion).toBe("success");
    const section = report.summary.slice(report.summary.indexOf("### Approval at run time")).split("\n");
    expect(section.slice(0, 5)).toEqual([
      "### Approval at run time",
      "",
      "- **chores\\/plain\\.ts**: Each run waits for 1 approval from people other than the one who asks, each with the permission to run it (times out after 7d; then it is cancelled, nothing of it ran).",
      "- **chores\\/refund\\.ts**: Each run waits for 2 approvals from people other than the one who asks, each with the permission to run it (times out after 2d; then it is cancelled, nothing of it ran).",
      "",
    ]);
  });

  it("a bad approval fails the check at its line", async () => {
    const report = await analyze({ "chores/refund.ts": chore("{ count: 9 }") });
    expect(report.conclusion).toBe("failure");
    expect(report.annotations).toContainEqual(expect.objectContaining({ path: "chores/refund.ts", start_line: 3, title: "Definition not readable" }));
    expect(report.summary).not.toContain("### Approval at run time");
  });

  it("no script asking for approval: no section", () => {
    expect(renderApprovals([{ path: "scripts/x.ts" }])).toEqual([]);
  });
});
