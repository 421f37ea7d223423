import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runIdFor } from "../../src/pipeline/run-id.js";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { startHarness, type Harness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

/** An SDK script that records, in the side-effect file, its name and the inputs it got. */
function inputsScript(name: string) {
  return `import { appendFileSync } from "node:fs";
import { defineScript, string, int, bool } from "chorebot";
export default defineScript({
  inputs: {
    limit: int({ default: 10, min: 1, max: 100 }),
    plan: string({ choices: ["free", "pro"], default: "free" }),
    dryRun: bool({ default: true }),
    since: string({ default: "2026-01-01" }),
    apiKey: string({ secret: true, optional: true }),
  },
  async run({ inputs }) {
    appendFileSync(process.env.SIDE_EFFECTS!, ${JSON.stringify(name)} + " " + JSON.stringify(inputs) + "\\n");
  },
});
`;
}

const runId = (commit: string, path: string) => runIdFor({ owner: h.gh.owner, repo: h.gh.repo, commit, path });
const ranWith = async (name: string) =>
  (await h.executions()).filter((line) => line.startsWith(`${name} `)).map((line) => JSON.parse(line.slice(name.length + 1)) as Record<string, unknown>);

/** The commit on main that added `logPath`, with its parent. */
async function commitAdding(logPath: string) {
  const commits = await h.gh.commits();
  for (const commit of commits) {
    const parent = commit.parents[0]!;
    if ((await h.gh.readFile(commit.sha, logPath)) !== undefined && (await h.gh.readFile(parent, logPath)) === undefined) return { sha: commit.sha, parent };
  }
  throw new Error(`no commit on main adds ${logPath}`);
}

describe("a merged script with a reviewed inputs file", () => {
  it("runs with its values, records them in the log, and leaves with the script in the log's commit", async () => {
    const script = "scripts/with-inputs.ts";
    const inputs = "scripts/with-inputs.inputs.yml";
    const merged = await h.mergeAndPush({
      [script]: inputsScript("with-inputs"),
      [inputs]: "# reviewed with the script\nlimit: 25\nplan: pro\ndryRun: false\n",
    });
    const result = await h.waitForRun(merged.runIds[script]!);
    expect(result.status).toBe("succeeded");
    // Given ones from the file, the others their defaults (the secret one, optional, none).
    expect(await ranWith("with-inputs")).toEqual([{ limit: 25, plan: "pro", dryRun: false, since: "2026-01-01" }]);

    const { frontMatter, body } = parseRunLog((await h.gh.readFile("main", result.logPath))!);
    expect(frontMatter).toMatchObject({ status: "succeeded", inputs_file: inputs, inputs: { limit: 25, plan: "pro", dryRun: false, since: "2026-01-01" } });
    expect(body).toContain("## Inputs");
    expect(body).toContain("From `scripts/with-inputs.inputs.yml`, reviewed and approved with the script");
    expect(body).toMatch(/\| `limit` \| 25 \|\n\| `plan` \| pro \|\n\| `dryRun` \| false \|/);

    // Both gone, in the very commit that added the log.
    expect(await h.gh.readFile("main", script)).toBeUndefined();
    expect(await h.gh.readFile("main", inputs)).toBeUndefined();
    const { sha, parent } = await commitAdding(result.logPath);
    expect(sha).toBe(result.commit);
    expect(await h.gh.readFile(parent, script)).toBeDefined();
    expect(await h.gh.readFile(parent, inputs)).toBeDefined();
    expect(await h.gh.readFile(sha, script)).toBeUndefined();
    expect(await h.gh.readFile(sha, inputs)).toBeUndefined();
  });

  it("is refused, and runs nothing, when its inputs file changed after the approval", async () => {
    const script = "scripts/stale-inputs.ts";
    const inputs = "scripts/stale-inputs.inputs.yml";
    const pr = await h.gh.openPullRequest({ files: { [script]: inputsScript("stale-inputs"), [inputs]: "limit: 5\n" }, author: "alice", approvals: ["bob"] });
    // After bob approved: a bigger limit nobody reviewed.
    await h.gh.pushToPullRequest(pr.number, { [inputs]: "limit: 100\n" });
    const { before, after } = await h.gh.mergeOpenPullRequest(pr.number);
    await h.deliverPush(before, after);
    const result = await h.waitForRun(runId(after, script));
    expect(result.status).toBe("refused");
    const { frontMatter } = parseRunLog((await h.gh.readFile("main", result.logPath))!);
    expect(String(frontMatter.message)).toContain("0 approving review(s) on its final commit");
    expect(await ranWith("stale-inputs")).toEqual([]);
    expect(await h.gh.readFile("main", inputs)).toBeUndefined();
  });

  it("is refused when the inputs file came by a direct push, not with the script's pull request", async () => {
    const script = "scripts/smuggled-inputs.ts";
    const inputs = "scripts/smuggled-inputs.inputs.yml";
    // Pushed straight to main first (a push with no script: nothing runs), then the reviewed script merged.
    await h.gh.commitFiles({ files: { [inputs]: "limit: 100\nplan: pro\n" }, author: "mallory" });
    const merged = await h.mergeAndPush({ [script]: inputsScript("smuggled-inputs") });
    const result = await h.waitForRun(merged.runIds[script]!);
    expect(result.status).toBe("refused");
    const { frontMatter } = parseRunLog((await h.gh.readFile("main", result.logPath))!);
    expect(String(frontMatter.message)).toContain(`${inputs} was not added or changed by pull request #${merged.number}`);
    expect(await ranWith("smuggled-inputs")).toEqual([]);
    // Gone with the script: it can never attach itself to a later script of that name.
    expect(await h.gh.readFile("main", inputs)).toBeUndefined();
    expect(await h.gh.readFile("main", script)).toBeUndefined();
  });

  it("is refused with the field's message when a value does not fit (the check said so, the merge went ahead)", async () => {
    const script = "scripts/bad-inputs.ts";
    const inputs = "scripts/bad-inputs.inputs.yml";
    const merged = await h.mergeAndPush({ [script]: inputsScript("bad-inputs"), [inputs]: "plan: pro\nlimit: 0\n" });
    const result = await h.waitForRun(merged.runIds[script]!);
    expect(result.status).toBe("refused");
    const { frontMatter, body } = parseRunLog((await h.gh.readFile("main", result.logPath))!);
    expect(String(frontMatter.message)).toContain('line 2: `limit` must be an integer between 1 and 100, got "0"');
    expect(frontMatter.inputs_file).toBe(inputs);
    expect(body).toContain("was not used: the run was refused");
    expect(await ranWith("bad-inputs")).toEqual([]);
    expect(await h.gh.readFile("main", inputs)).toBeUndefined();
  });
});

describe("the pull request check of an inputs file", () => {
  /** Opens a PR, delivers `pull_request.opened`, and returns the finished `chorebot` check on its head. */
  async function checkOf(files: Record<string, string>) {
    const pr = await h.gh.openPullRequest({ files, author: "alice" });
    const delivery = await h.deliver("pull_request", h.gh.pullRequestPayload({ number: pr.number, action: "opened" }));
    // 202: Probot answers "still processing" after 9 s on a loaded machine; the check goes on.
    expect([200, 202]).toContain(delivery.status);
    const done = () => h.gh.checkRuns(pr.headSha).filter((run) => run.name === "chorebot" && run.status === "completed");
    const deadline = Date.now() + 60_000;
    while (done().length === 0 && Date.now() < deadline) await sleep(200);
    return done().at(-1)!;
  }

  it("annotates each bad field on its line: a bad value, a typo, a secret value", async () => {
    const inputs = "scripts/checked-inputs.inputs.yml";
    const check = await checkOf({
      "scripts/checked-inputs.ts": inputsScript("checked-inputs"),
      [inputs]: "# values for the backfill\nplan: pro\nlimit: lots\nlimt: 5\napiKey: sk-live-not-for-git\n",
    });
    expect(check.conclusion).toBe("failure");
    const onInputs = check.annotations.filter((a) => a.path === inputs);
    expect(onInputs).toEqual([
      expect.objectContaining({
        start_line: 3,
        annotation_level: "failure",
        message: expect.stringContaining('`limit` must be an integer between 1 and 100, got "lots"'),
      }),
      expect.objectContaining({
        start_line: 4,
        annotation_level: "failure",
        message: expect.stringContaining("`limt` is not an input of scripts/checked-inputs.ts"),
      }),
      expect.objectContaining({ start_line: 5, annotation_level: "failure", message: expect.stringContaining("`apiKey` is a secret input") }),
    ]);
    // The secret's value is not repeated anywhere in the check.
    expect(JSON.stringify(check)).not.toContain("sk-live-not-for-git");
  });

  it("passes good values and says the script runs with them; fails an inputs file without its script", async () => {
    const good = await checkOf({ "scripts/good-inputs.ts": inputsScript("good-inputs"), "scripts/good-inputs.inputs.yml": "limit: 7\n" });
    expect(good.annotations).toEqual([]);
    expect(good.conclusion).toBe("success");
    expect(String(good.output.summary)).toContain("runs with the values of `scripts/good-inputs.inputs.yml`");

    const orphan = await checkOf({ "scripts/orphan.inputs.yml": "limit: 7\n" });
    expect(orphan.conclusion).toBe("failure");
    expect(orphan.annotations).toEqual([
      expect.objectContaining({ path: "scripts/orphan.inputs.yml", start_line: 1, title: "Inputs file without its script" }),
    ]);
  });
});
