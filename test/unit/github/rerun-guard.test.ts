import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { defaultRepoConfig } from "../../../src/github/repo-config.js";
import { firstRunRefusal, retryRefusal } from "../../../src/github/rerun-guard.js";
import { TestOctokit } from "../../helpers/test-probot.js";

const COMMIT = "abcdef1234567890abcdef1234567890abcdef12";
const target = (path: string) => ({
  owner: "acme",
  repo: "widgets",
  defaultBranch: "main",
  path,
  commit: COMMIT,
  committedAt: "2026-11-30T12:00:00Z",
  config: defaultRepoConfig({ minApprovals: 1, maxTimeoutMs: 900_000, minChorePermission: "write" }),
});
const contents = (path: string) =>
  nock("https://api.github.com")
    .get(`/repos/acme/widgets/contents/${encodeURIComponent(path)}`)
    .query({ ref: "main" });
const file = (path: string, text: string) => ({ type: "file", path, encoding: "base64", content: Buffer.from(text).toString("base64") });
const log = (script: string) => `---\nscript: ${script}\ncommit: ${COMMIT}\nstatus: succeeded\n---\n\nok\n`;
const octokit = () => new TestOctokit({ auth: "token" });

describe("the re-run guard", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  it("lets attempt 1 start when no log of the run is on the branch at any scheme's path and the script is there", async () => {
    for (const path of ["logs/2026/11/billing/fix.ts-abcdef123456.md", "logs/billing/fix.ts-abcdef123456.md", "logs/billing/fix-abcdef1.md"])
      contents(path).reply(404);
    contents("scripts/billing/fix.ts").reply(200, file("scripts/billing/fix.ts", "console.log(1)"));
    expect(await firstRunRefusal(octokit(), target("scripts/billing/fix.ts"))).toBeNull();
  });

  it("refuses when an older release's log of the run is there, or the script is gone", async () => {
    contents("logs/2026/11/billing/fix.ts-abcdef123456.md").reply(404);
    contents("logs/billing/fix.ts-abcdef123456.md").reply(404);
    contents("logs/billing/fix-abcdef1.md").reply(200, file("logs/billing/fix-abcdef1.md", log("scripts/billing/fix.ts")));
    contents("scripts/billing/fix.ts").reply(404);
    expect(await firstRunRefusal(octokit(), target("scripts/billing/fix.ts"))).toBe("its run log logs/billing/fix-abcdef1.md is already on main");

    for (const path of ["logs/2026/11/billing/fix.ts-abcdef123456.md", "logs/billing/fix.ts-abcdef123456.md", "logs/billing/fix-abcdef1.md"])
      contents(path).reply(404);
    contents("scripts/billing/fix.ts").reply(404);
    expect(await firstRunRefusal(octokit(), target("scripts/billing/fix.ts"))).toBe("scripts/billing/fix.ts is no longer on main");
  });

  it("does not take another script's log for this run's when one scheme's path is another's", async () => {
    // scripts/x.ts's dated log is where the flat scheme would log scripts/2026/11/x.ts.
    contents("logs/2026/11/2026/11/x.ts-abcdef123456.md").reply(404);
    contents("logs/2026/11/x.ts-abcdef123456.md").reply(200, file("logs/2026/11/x.ts-abcdef123456.md", log("scripts/x.ts")));
    contents("logs/2026/11/x-abcdef1.md").reply(404);
    contents("scripts/2026/11/x.ts").reply(200, file("scripts/2026/11/x.ts", "console.log(1)"));
    expect(await firstRunRefusal(octokit(), target("scripts/2026/11/x.ts"))).toBeNull();
  });

  it("errors other than 404 throw, so the step is retried rather than guessing", async () => {
    for (const path of ["logs/2026/11/x.ts-abcdef123456.md", "logs/x.ts-abcdef123456.md", "logs/x-abcdef1.md"]) contents(path).reply(404);
    contents("scripts/x.ts").reply(502, { message: "Bad gateway" });
    await expect(firstRunRefusal(octokit(), target("scripts/x.ts"))).rejects.toMatchObject({ status: 502 });
  });

  it("checks a retry only for its own attempt's log", async () => {
    contents("logs/2026/11/x.ts-abcdef123456-attempt-2.md").reply(404);
    expect(await retryRefusal(octokit(), target("scripts/x.ts"), 2)).toBeNull();
    contents("logs/2026/11/x.ts-abcdef123456-attempt-3.md").reply(200, file("logs/2026/11/x.ts-abcdef123456-attempt-3.md", log("scripts/x.ts")));
    expect(await retryRefusal(octokit(), target("scripts/x.ts"), 3)).toBe(
      "the log of attempt 3, logs/2026/11/x.ts-abcdef123456-attempt-3.md, is already on main",
    );
  });

  it("checks a chore run only for its own log: the chore is meant to stay", async () => {
    const chore = {
      ...target("chores/unlock.ts"),
      chore: { name: "unlock", request: { trigger: "ui" as const, requestedBy: "carol", requestedAt: "2026-12-06T10:00:00Z", inputs: {} } },
    };
    const runId = "widgets-chore-unlock-0123456789ab";
    const log = `logs/chores/unlock/2026/12/06-${runId}.md`;
    contents(log).reply(404);
    expect(await firstRunRefusal(octokit(), chore, runId)).toBeNull();
    contents(log).reply(200, file(log, "---\nstatus: succeeded\n---\n"));
    expect(await firstRunRefusal(octokit(), chore, runId)).toBe(`its run log ${log} is already on main`);
    contents(`logs/chores/unlock/2026/12/06-${runId}-attempt-2.md`).reply(404);
    expect(await retryRefusal(octokit(), chore, 2, runId)).toBeNull();
    // Without its run id a chore run has no log path to look at: that is a bug, never a guess.
    await expect(firstRunRefusal(octokit(), chore)).rejects.toThrow(TypeError);
  });
});
