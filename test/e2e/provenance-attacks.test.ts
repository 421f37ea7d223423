import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runIdFor } from "../../src/pipeline/run-id.js";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { startHarness, type Harness } from "./harness.js";
import { recordingScript } from "./scripts.js";

// What an outside review tried against "only reviewed code runs": each case is a way to get
// code into a push that no approved pull request added, or to bend the rules that judge it.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

/** Waits for the run of `path` at `commit` and returns its committed log's facts. */
async function settled(commit: string, path: string) {
  const result = await h.waitForRun(runIdFor({ owner: h.gh.owner, repo: h.gh.repo, commit, path }));
  expect(await h.gh.readFile("main", path)).toBeUndefined();
  const { frontMatter } = parseRunLog((await h.gh.readFile("main", result.logPath))!);
  return { status: result.status, reason: String(frontMatter.message), pullRequest: frontMatter.pull_request, approvedBy: frontMatter.approved_by };
}

describe("every script is judged against the pull request that added it", () => {
  it("refuses a script committed straight to the default branch in the same push as an approved merge", async () => {
    const before = await h.gh.head();
    await h.gh.commitFiles({ files: { "scripts/smuggled.ts": recordingScript("smuggled") }, author: "mallory" });
    const merged = await h.gh.mergePullRequest({ files: { "scripts/alongside.ts": recordingScript("alongside") }, author: "alice", approvals: ["bob"] });
    await h.deliverPush(before, merged.after);

    expect(await settled(merged.after, "scripts/alongside.ts")).toMatchObject({ status: "succeeded", pullRequest: merged.number });
    const smuggled = await settled(merged.after, "scripts/smuggled.ts");
    expect(smuggled.status).toBe("refused");
    expect(smuggled.reason).toContain("scripts/smuggled.ts was not added by a pull request merged into main in this push");
    expect(await h.timesRan("smuggled")).toBe(0);
  });

  it("refuses a script a merge commit adds on its own (an evil merge), and still runs the pull request's", async () => {
    const merged = await h.gh.mergePullRequest({
      files: { "scripts/reviewed.ts": recordingScript("reviewed") },
      mergeCommitFiles: { "scripts/evil-new.ts": recordingScript("evil-new") },
      author: "alice",
      approvals: ["bob"],
    });
    await h.deliverPush(merged.before, merged.after);
    expect((await settled(merged.after, "scripts/reviewed.ts")).status).toBe("succeeded");
    const evil = await settled(merged.after, "scripts/evil-new.ts");
    expect(evil.status).toBe("refused");
    expect(evil.reason).toContain("not added by a pull request");
    expect(await h.timesRan("evil-new")).toBe(0);
  });

  it("refuses a script the merge commit changed after its approval", async () => {
    const path = "scripts/edited-in-merge.ts";
    const merged = await h.gh.mergePullRequest({
      files: { [path]: recordingScript("approved-version") },
      mergeCommitFiles: { [path]: recordingScript("merge-version") },
      author: "alice",
      approvals: ["bob"],
    });
    await h.deliverPush(merged.before, merged.after);
    const run = await settled(merged.after, path);
    expect(run.status).toBe("refused");
    expect(run.reason).toContain(`is not the version at the head of pull request #${merged.number}`);
    expect(await h.executions()).not.toContain("merge-version");
  });

  it("refuses a script whose helper the merge commit changed", async () => {
    await h.gh.commitFiles({ files: { "scripts/_lib/greeting.ts": `export const greeting = "hello";\n` } });
    const path = "scripts/uses-helper.ts";
    const merged = await h.gh.mergePullRequest({
      files: { [path]: recordingScript("uses-helper", `import { greeting } from "./_lib/greeting.js";\nconsole.log(greeting);`) },
      mergeCommitFiles: {
        "scripts/_lib/greeting.ts": `import { appendFileSync } from "node:fs";\nappendFileSync(process.env.SIDE_EFFECTS!, "evil-helper\\n");\nexport const greeting = "pwned";\n`,
      },
      author: "alice",
      approvals: ["bob"],
    });
    await h.deliverPush(merged.before, merged.after);
    const run = await settled(merged.after, path);
    expect(run.status).toBe("refused");
    expect(run.reason).toContain("scripts/_lib/greeting.ts at");
    expect(run.reason).toContain("the merge commit itself changed it");
    expect(await h.timesRan("evil-helper")).toBe(0);
    expect(await h.timesRan("uses-helper")).toBe(0);
  });

  it("judges each pull request of a batched push by its own reviews, and names it in its log", async () => {
    const approved = await h.gh.mergePullRequest({
      files: { "scripts/batch-approved.ts": recordingScript("batch-approved") },
      author: "alice",
      approvals: ["bob"],
    });
    const unapproved = await h.gh.mergePullRequest({
      files: { "scripts/batch-unapproved.ts": recordingScript("batch-unapproved") },
      author: "mallory",
      approvals: [],
    });
    await h.deliverPush(approved.before, unapproved.after);

    expect(await settled(approved.after, "scripts/batch-approved.ts")).toMatchObject({
      status: "succeeded",
      pullRequest: approved.number,
      approvedBy: ["bob"],
    });
    const refused = await settled(unapproved.after, "scripts/batch-unapproved.ts");
    expect(refused).toMatchObject({ status: "refused", pullRequest: unapproved.number });
    expect(refused.reason).toContain(`pull request #${unapproved.number} has 0 approving review(s)`);
    expect(await h.timesRan("batch-unapproved")).toBe(0);
  });

  it.each(["squash", "rebase"] as const)("runs a script from an approved %s merge, naming its pull request", async (merge) => {
    const path = `scripts/${merge}-merged.ts`;
    const merged = await h.gh.mergePullRequest({
      files: { [path]: recordingScript(`${merge}-merged`, `import { n } from "./_lib/${merge}-n.js";\nconsole.log(n);`) },
      commits: [{ [`scripts/_lib/${merge}-n.ts`]: "export const n = 1;\n" }],
      merge,
      author: "alice",
      approvals: ["bob"],
    });
    await h.deliverPush(merged.before, merged.after);
    expect(await settled(merged.after, path)).toMatchObject({ status: "succeeded", pullRequest: merged.number });
    expect(await h.timesRan(`${merge}-merged`)).toBe(1);
  });
});

describe("approvals count as GitHub counts them", () => {
  it("does not count an approval from someone with read access only, or from a bot", async () => {
    h.gh.setPermission("reader", "read");
    const merged = await h.gh.mergePullRequest({
      files: { "scripts/weakly-approved.ts": recordingScript("weakly-approved") },
      author: "alice",
      reviews: [
        { user: "reader", state: "APPROVED" },
        { user: "renovate[bot]", state: "APPROVED" },
      ],
    });
    await h.deliverPush(merged.before, merged.after);
    const run = await settled(merged.after, "scripts/weakly-approved.ts");
    expect(run.status).toBe("refused");
    expect(run.reason).toContain("not counted: @renovate[bot]: a bot, @reader: read access");
    expect(await h.timesRan("weakly-approved")).toBe(0);
  });

  it("reads every page of reviews: an approval dismissed on a later page does not count", async () => {
    const merged = await h.gh.mergePullRequest({
      files: { "scripts/dismissed.ts": recordingScript("dismissed") },
      author: "alice",
      reviews: [
        { user: "bob", state: "APPROVED" },
        ...Array.from({ length: 120 }, () => ({ user: "carol", state: "COMMENTED" as const })),
        { user: "bob", state: "DISMISSED" },
      ],
    });
    await h.deliverPush(merged.before, merged.after);
    expect((await settled(merged.after, "scripts/dismissed.ts")).status).toBe("refused");
    expect(await h.timesRan("dismissed")).toBe(0);
  });
});

describe("GitHub's answers that lag or are capped are never final", () => {
  it("waits for GitHub to associate a fresh merge commit with its pull request", async () => {
    h.gh.lagPullAssociations(2);
    const merged = await h.mergeAndPush({ "scripts/lagged.ts": recordingScript("lagged") });
    expect((await settled(merged.after, "scripts/lagged.ts")).status).toBe("succeeded");
  });

  it("finds a script past compare's 300-file cap", async () => {
    const docs = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`docs/page-${String(i).padStart(3, "0")}.md`, `page ${i}\n`]));
    const merged = await h.mergeAndPush({ ...docs, "scripts/past-the-cap.ts": recordingScript("past-the-cap") });
    expect((await settled(merged.after, "scripts/past-the-cap.ts")).status).toBe("succeeded");
    expect(await h.timesRan("past-the-cap")).toBe(1);
  });

  it("finds scripts when GitHub truncates the recursive tree listing", async () => {
    h.gh.setTreeEntryLimit(3);
    try {
      const merged = await h.mergeAndPush({ "scripts/deep/in-truncated-tree.ts": recordingScript("in-truncated-tree") });
      expect((await settled(merged.after, "scripts/deep/in-truncated-tree.ts")).status).toBe("succeeded");
    } finally {
      h.gh.setTreeEntryLimit(null);
    }
  });

  it("refuses, saying why, a script in a pull request too big for GitHub to list its files", async () => {
    const docs = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`bulk/file-${String(i).padStart(4, "0")}.md`, `${i}\n`]));
    const merged = await h.mergeAndPush({ ...docs, "scripts/hidden-by-cap.ts": recordingScript("hidden-by-cap") });
    const run = await settled(merged.after, "scripts/hidden-by-cap.ts");
    expect(run.status).toBe("refused");
    expect(run.reason).toContain(`pull request #${merged.number} changes more files than GitHub lists (3,000)`);
    expect(await h.timesRan("hidden-by-cap")).toBe(0);
  }, 60_000);
});

describe("a pull request cannot change the rules that judge it", () => {
  it("reads the settings from the default branch as it was before the push", async () => {
    await h.gh.commitFiles({ files: { ".github/chorebot.yml": "requiredApprovals: 2\npolicy:\n  scriptsOnly: off\n" } });
    try {
      const merged = await h.mergeAndPush(
        { ".github/chorebot.yml": "requiredApprovals: 1\npolicy:\n  scriptsOnly: off\n", "scripts/lowers-the-bar.ts": recordingScript("lowers-the-bar") },
        { approvals: ["bob"] },
      );
      const run = await settled(merged.after, "scripts/lowers-the-bar.ts");
      expect(run.status).toBe("refused");
      expect(run.reason).toContain("2 required");
      expect(await h.timesRan("lowers-the-bar")).toBe(0);
    } finally {
      await h.gh.commitFiles({ files: { ".github/chorebot.yml": null } });
    }
  });
});
