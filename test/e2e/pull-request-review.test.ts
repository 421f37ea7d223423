import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";
import { recordingScript } from "./scripts.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ standIn: { allowAutoMerge: true } });
});
afterAll(async () => {
  await h?.close();
});

const TSCONFIG = JSON.stringify({ compilerOptions: { strict: true, module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", noEmit: true } });

/** Opens a PR, delivers `pull_request.opened`, and returns the `chorebot` check on its head. */
async function checkOf(files: Parameters<Harness["gh"]["openPullRequest"]>[0]["files"]) {
  const pr = await h.gh.openPullRequest({ files, author: "alice" });
  const delivery = await h.deliver("pull_request", h.gh.pullRequestPayload({ number: pr.number, action: "opened" }));
  // 202: Probot answers "still processing" after 9 s (a type check on a loaded machine); the check goes on.
  expect([200, 202]).toContain(delivery.status);
  const deadline = Date.now() + 60_000;
  const done = () => h.gh.checkRuns(pr.headSha).filter((run) => run.name === "chorebot" && run.status === "completed");
  while (delivery.status === 202 && done().length === 0 && Date.now() < deadline) await sleep(200);
  const checks = h.gh.checkRuns(pr.headSha).filter((run) => run.name === "chorebot");
  return { pr, checks, check: checks.at(-1) };
}

describe("the pre-merge check run", () => {
  it("passes a clean script and tells the reviewer what will happen on merge", async () => {
    const { check } = await checkOf({ "scripts/clean.ts": recordingScript("clean", `console.log("fine");`) });
    expect(check).toMatchObject({ status: "completed", conclusion: "success" });
    const summary = String(check!.output.summary);
    expect(summary).toContain("scripts/clean.ts");
    expect(summary).toContain("15 min"); // SCRIPT_TIMEOUT default, 900 s
    expect(summary).toContain("SIDE_EFFECTS"); // variable names, never values
    expect(summary).not.toContain("prod-token-value-123");
  });

  it("passes an SDK script, type-checked against the bundled SDK, and lists its inputs' names", async () => {
    // The repository type-checks its scripts (tsconfig.json on main, not in the script's PR).
    if ((await h.gh.readFile("main", "tsconfig.json")) === undefined) await h.gh.commitFiles({ files: { "tsconfig.json": TSCONFIG } });
    const { check } = await checkOf({
      "scripts/sdk-check.ts": `import { defineScript, int } from "chorebot";
export default defineScript({ inputs: { limit: int({ default: 3 }) }, async run({ inputs }) { return inputs.limit * 2; } });
`,
    });
    expect(check!.annotations).toEqual([]);
    expect(check).toMatchObject({ conclusion: "success" });
  });

  it("fails an SDK script that misuses its typed inputs, at the right line", async () => {
    if ((await h.gh.readFile("main", "tsconfig.json")) === undefined) await h.gh.commitFiles({ files: { "tsconfig.json": TSCONFIG } });
    const { check } = await checkOf({
      "scripts/sdk-type-error.ts": `import { defineScript, int } from "chorebot";
export default defineScript({
  inputs: { limit: int({ default: 3 }) },
  async run({ inputs }) { return inputs.limit.toUpperCase(); },
});
`,
    });
    expect(check!.conclusion).toBe("failure");
    expect(check!.annotations).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: "scripts/sdk-type-error.ts", start_line: 4, annotation_level: "failure" })]),
    );
  });

  it("fails a syntax error with an annotation at the right file and line", async () => {
    const { check } = await checkOf({ "scripts/syntax.ts": `const ok = 1;\n\nconst broken: number = ;\n` });
    expect(check!.conclusion).toBe("failure");
    expect(check!.annotations).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: "scripts/syntax.ts", start_line: 3, annotation_level: "failure" })]),
    );
  });

  it("fails a script importing a package production does not have", async () => {
    const { check } = await checkOf({ "scripts/needs-pkg.ts": `import { go } from "not-in-production";\ngo();\n` });
    expect(check!.conclusion).toBe("failure");
    const annotation = check!.annotations.find((a) => a.message.includes("not-in-production"));
    expect(annotation).toMatchObject({ path: "scripts/needs-pkg.ts", start_line: 1, annotation_level: "failure" });
  });

  it("fails a PR that also changes code outside scripts/ (scripts-only policy)", async () => {
    const { check } = await checkOf({
      "scripts/with-code.ts": recordingScript("with-code"),
      "src/feature.ts": "export const feature = true;\n",
    });
    expect(check!.conclusion).toBe("failure");
    expect(check!.annotations).toEqual(expect.arrayContaining([expect.objectContaining({ path: "src/feature.ts" })]));
  });

  it("fails a bad .github/chorebot.yml with the reason", async () => {
    const { check } = await checkOf({
      ".github/chorebot.yml": "timeout: 999999\n",
      "scripts/with-bad-config.ts": recordingScript("with-bad-config"),
    });
    expect(check!.conclusion).toBe("failure");
    expect(String(check!.output.summary)).toContain("timeout: cannot exceed the server's maximum of 900 seconds");
  });

  it("posts nothing for a PR without scripts, and re-runs on the check's Re-run button", async () => {
    const plain = await checkOf({ "README.md": "docs only\n" });
    expect(plain.checks).toEqual([]);

    const { pr, check } = await checkOf({ "scripts/rerun.ts": recordingScript("rerun") });
    const delivery = await h.deliver("check_run", h.gh.checkRunPayload({ checkRunId: check!.id, action: "rerequested" }));
    expect(delivery.status).toBe(200);
    expect(h.gh.checkRuns(pr.headSha).filter((run) => run.name === "chorebot")).toHaveLength(2);
  });
});

describe("after the merge", () => {
  it("comments the outcome on the pull request and adds a check run to the merge commit", async () => {
    const path = "scripts/reported.ts";
    const merged = await h.mergeAndPush({ [path]: recordingScript("reported", `console.log("reported line");`) });
    const result = await h.waitForRun(merged.runIds[path]!);
    const [comment] = h.gh.comments(merged.number);
    expect(comment!.body).toContain("scripts/reported.ts succeeded");
    expect(comment!.body).toContain("reported line");
    expect(comment!.body).toContain(`/blob/${result.commit}/${result.logPath}`);
    const [check] = h.gh.checkRuns(merged.after).filter((run) => run.name === `chorebot: ${path}`);
    expect(check).toMatchObject({ conclusion: "success", detailsUrl: expect.stringContaining(result.logPath) });
  });

  it("says on the pull request exactly why a script was refused", async () => {
    const path = "scripts/unapproved-report.ts";
    const merged = await h.mergeAndPush({ [path]: recordingScript("unapproved-report") }, { approvals: [] });
    await h.waitForRun(merged.runIds[path]!);
    const [comment] = h.gh.comments(merged.number);
    expect(comment!.body).toContain("refused");
    expect(comment!.body).toContain("0 approving review(s)");
  });
});

describe("a protected default branch", () => {
  it("gets the log through a cleanup pull request with auto-merge, linked from the run comment", async () => {
    h.gh.protectBranch();
    try {
      const path = "scripts/protected.ts";
      const merged = await h.mergeAndPush({ [path]: recordingScript("protected") });
      const result = await h.waitForRun(merged.runIds[path]!);
      expect(result.status).toBe("succeeded");
      expect(result.cleanupPullRequest).not.toBeNull();
      const cleanup = h.gh.pullRequest(result.cleanupPullRequest!.number);
      expect(cleanup).toMatchObject({ state: "open", headRef: expect.stringMatching(/^chorebot\/cleanup-/) });
      expect(cleanup.autoMerge).not.toBeNull();
      expect(await h.gh.readFile(cleanup.headSha, result.logPath)).toBeDefined();
      expect(await h.gh.readFile(cleanup.headSha, path)).toBeUndefined();
      expect(await h.gh.readFile("main", path)).toBeDefined(); // main itself was not touched
      expect(h.gh.comments(merged.number)[0]!.body).toContain(`#${cleanup.number}`);
      expect(await h.timesRan("protected")).toBe(1);
    } finally {
      h.gh.unprotectBranch();
    }
  });
});
