import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runIdFor } from "../../src/pipeline/run-id.js";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { startHarness, type Harness } from "./harness.js";
import { recordingScript } from "./scripts.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { REQUIRED_APPROVALS: "2" } });
});
afterAll(async () => {
  await h?.close();
});

const runId = (commit: string, path: string) => runIdFor({ owner: h.gh.owner, repo: h.gh.repo, commit, path });

/** Waits for the run, and returns its committed log after checking the script is gone. */
async function settled(commit: string, path: string) {
  const result = await h.waitForRun(runId(commit, path));
  expect(await h.gh.readFile("main", path)).toBeUndefined();
  const log = parseRunLog((await h.gh.readFile("main", result.logPath))!);
  return { status: result.status, reason: String(log.frontMatter.message), log };
}

describe("provenance (REQUIRED_APPROVALS=2)", () => {
  it("runs a merge approved by two people other than the author", async () => {
    const merged = await h.mergeAndPush({ "scripts/two-approvals.ts": recordingScript("two-approvals") }, { approvals: ["bob", "carol"] });
    expect((await settled(merged.after, "scripts/two-approvals.ts")).status).toBe("succeeded");
    expect(await h.timesRan("two-approvals")).toBe(1);
  });

  it("refuses one approval short, and does not count the author's own", async () => {
    const merged = await h.mergeAndPush({ "scripts/one-short.ts": recordingScript("one-short") }, { author: "alice", approvals: ["bob", "alice"] });
    const run = await settled(merged.after, "scripts/one-short.ts");
    expect(run.status).toBe("refused");
    expect(run.reason).toContain("has 1 approving review(s) on its final commit");
    expect(run.reason).toContain("2 required");
    expect(await h.timesRan("one-short")).toBe(0);
  });

  it("does not count an approval of an earlier commit of the pull request (stale approval)", async () => {
    const path = "scripts/stale.ts";
    const merged = await h.gh.mergePullRequest({
      files: { [path]: recordingScript("stale") },
      author: "alice",
      reviews: [
        { user: "bob", state: "APPROVED", commitId: await h.gh.head() },
        { user: "carol", state: "APPROVED" },
      ],
    });
    await h.deliverPush(merged.before, merged.after);
    const run = await settled(merged.after, path);
    expect(run.status).toBe("refused");
    expect(await h.timesRan("stale")).toBe(0);
  });

  it("refuses a direct push to the default branch", async () => {
    const before = await h.gh.head();
    const after = await h.gh.commitFiles({ files: { "scripts/direct.ts": recordingScript("direct") }, author: "mallory" });
    await h.deliverPush(before, after);
    const run = await settled(after, "scripts/direct.ts");
    expect(run.status).toBe("refused");
    expect(run.reason).toContain("scripts/direct.ts was not added by a pull request merged into main in this push");
    expect(await h.timesRan("direct")).toBe(0);
  });

  it("refuses whatever a force-push brings, even an approved merge", async () => {
    const path = "scripts/forced.ts";
    const merged = await h.gh.mergePullRequest({ files: { [path]: recordingScript("forced") }, approvals: ["bob", "carol"] });
    const { sendWebhook } = await import("../github-stand-in/index.js");
    const { WEBHOOK_SECRET } = await import("./harness.js");
    await sendWebhook({
      url: h.webhookUrl,
      secret: WEBHOOK_SECRET,
      event: "push",
      payload: h.gh.pushPayload({ before: merged.before, after: merged.after, forced: true }),
    });
    const run = await settled(merged.after, path);
    expect(run.status).toBe("refused");
    expect(run.reason).toContain("force-push");
    expect(await h.timesRan("forced")).toBe(0);
  });
});

describe("files that are not plain text under scripts/", () => {
  it.each([
    [
      "a symlinked entry script",
      { "src/real.ts": recordingScript("via-symlink"), "scripts/linked.ts": { symlink: "../src/real.ts" } },
      "scripts/linked.ts",
      /scripts\/linked\.ts is a symbolic link/,
    ],
    [
      "a script importing a symlinked helper",
      {
        "src/helper.ts": `export const x = 1;\n`,
        "scripts/_lib/helper.ts": { symlink: "../../src/helper.ts" },
        "scripts/uses-link.ts": recordingScript("uses-link", `import { x } from "./_lib/helper.js";\nconsole.log(x);`),
      },
      "scripts/uses-link.ts",
      /scripts\/_lib\/helper\.ts is a symbolic link/,
    ],
    ["a submodule", { "scripts/vendored.ts": { submodule: "a".repeat(40) } }, "scripts/vendored.ts", /is a git submodule/],
    ["a binary file", { "scripts/binary.ts": Buffer.from([0x63, 0x6f, 0x00, 0xff, 0xfe]) }, "scripts/binary.ts", /is not a UTF-8 text file/],
  ] as const)("refuses %s, saying why, and runs nothing", async (_name, files, path, reason) => {
    const merged = await h.mergeAndPush(files, { approvals: ["bob", "carol"] });
    const run = await settled(merged.after, path);
    expect(run.status).toBe("refused");
    expect(run.reason).toMatch(reason);
    expect(await h.timesRan("via-symlink")).toBe(0);
    expect(await h.timesRan("uses-link")).toBe(0);
  });
});
