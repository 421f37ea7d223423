import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { runLocalChorebot as chorebot } from "./chorebot-process.js";
import { workflowScript } from "./workflow-scripts.js";

// `chorebot run` has no Redis: each step is acked as soon as it arrives, so a workflow runs (and rolls back) locally as in production.
let repo: string;
beforeEach(async () => {
  repo = await realpath(await mkdtemp(join(tmpdir(), "chorebot-wf-cli-")));
  await mkdir(join(repo, "scripts"), { recursive: true });
});
afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

describe("chorebot run: a workflow", () => {
  it("runs its steps, rolls back in reverse when one fails, and writes a rolled_back log", async () => {
    await writeFile(
      join(repo, "scripts/wf.ts"),
      workflowScript(
        "wf",
        `steps: [
    step({ name: "one", run() { mark("run one"); }, rollback() { mark("undo one"); } }),
    step({ name: "two", run() { mark("run two"); throw new Error("two broke"); }, rollback() { mark("undo two"); } }),
  ],`,
      ),
    );
    const run = await chorebot(["run", "scripts/wf.ts", "--out", "wf.md"], { cwd: repo });
    expect((await readFile(join(repo, "wf.marks"), "utf8")).split("\n").filter(Boolean)).toEqual(["run one", "run two", "undo two", "undo one"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("scripts/wf.ts rolled_back");
    const { frontMatter } = parseRunLog(await readFile(join(repo, "wf.md"), "utf8"));
    expect(frontMatter).toMatchObject({ status: "rolled_back", message: "step two failed: two broke; rolled back two, one", workflow_outcome: "rolled_back" });
  }, 60_000);
});
