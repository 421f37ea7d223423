import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { analyzePullRequest } from "../../../src/checks/analyze-pull-request.js";
import { TestOctokit } from "../../helpers/test-probot.js";
import { fakeGitHub, freshSha, type FakeRepo } from "./fake-github.js";

const limits = { minApprovals: 1, maxTimeoutMs: 900_000, minChorePermission: "write" as const };
let scriptCwd: string;

const SCRIPT = `import { defineScript, string, int } from "chorebot";
export default defineScript({
  inputs: {
    org: string(),
    limit: int({ default: 10, min: 1 }),
    token: string({ secret: true, optional: true }),
  },
  async run({ inputs }) { console.log(inputs.org, inputs.limit); },
});
`;

function pr(files: Record<string, string>, prFiles: FakeRepo["prFiles"], extra: Partial<FakeRepo> = {}): FakeRepo {
  return { owner: "acme", repo: "ops", number: 7, headSha: freshSha(), author: "alice", files, prFiles, ...extra };
}

async function analyze(repo: FakeRepo) {
  fakeGitHub(repo);
  const report = await analyzePullRequest(
    new TestOctokit({ auth: "token" }),
    { ...repo, baseRef: "main", author: "alice" },
    { scriptCwd, scriptEnv: [], limits },
  );
  return report!;
}

const added = (...paths: string[]) => paths.map((filename) => ({ filename, status: "added" }));

describe("the pull request check of inputs files", () => {
  beforeAll(async () => {
    nock.disableNetConnect();
    scriptCwd = await mkdtemp(join(tmpdir(), "chorebot-cwd-inputs-"));
  });
  afterAll(async () => {
    await rm(scriptCwd, { recursive: true, force: true });
  });
  afterEach(() => nock.cleanAll());

  it("passes a script whose required input its inputs file gives, and says it runs with those values", async () => {
    const report = await analyze(
      pr({ "scripts/fix.ts": SCRIPT, "scripts/fix.inputs.yml": "org: acme\nlimit: 5\n" }, added("scripts/fix.ts", "scripts/fix.inputs.yml")),
    );
    expect(report.annotations).toEqual([]);
    expect(report.conclusion).toBe("success");
    expect(report.summary).toContain("runs with the values of `scripts/fix.inputs.yml`");
  });

  it("still asks for a required input without a default when the script has no inputs file", async () => {
    const report = await analyze(pr({ "scripts/fix.ts": SCRIPT }, added("scripts/fix.ts")));
    expect(report.annotations).toEqual([expect.objectContaining({ path: "scripts/fix.ts", title: "Required input without a default" })]);
  });

  it("annotates each bad field of the inputs file on its own line, and counts them in the script's cell", async () => {
    const yaml = ["# backfill values", "org: acme", "", "limit: 0", "token: a-real-looking-secret", "orgg: typo"].join("\n");
    const report = await analyze(pr({ "scripts/fix.ts": SCRIPT, "scripts/fix.inputs.yml": yaml }, added("scripts/fix.ts", "scripts/fix.inputs.yml")));
    expect(report.conclusion).toBe("failure");
    expect(report.annotations.map((a) => [a.path, a.start_line, a.end_line, a.title])).toEqual([
      ["scripts/fix.inputs.yml", 4, 4, "Input `limit`"],
      ["scripts/fix.inputs.yml", 5, 5, "Input `token`"],
      ["scripts/fix.inputs.yml", 6, 6, "Input `orgg`"],
    ]);
    expect(report.summary).toContain("inputs file: 3 problems");
    expect(JSON.stringify(report)).not.toContain("a-real-looking-secret");
  });

  it("says where malformed YAML breaks", async () => {
    const report = await analyze(
      pr({ "scripts/fix.ts": SCRIPT, "scripts/fix.inputs.yml": "org: acme\nlimit: [5\n" }, added("scripts/fix.ts", "scripts/fix.inputs.yml")),
    );
    expect(report.annotations).toEqual([
      expect.objectContaining({ path: "scripts/fix.inputs.yml", start_line: 3, message: expect.stringContaining("not valid YAML") }),
    ]);
  });

  it("fails an inputs file without its script, and one for a script that is not added (edited in place: it does not run)", async () => {
    const orphan = await analyze(pr({ "scripts/gone.inputs.yml": "org: acme\n" }, added("scripts/gone.inputs.yml")));
    expect(orphan.conclusion).toBe("failure");
    expect(orphan.annotations).toEqual([expect.objectContaining({ path: "scripts/gone.inputs.yml", start_line: 1, title: "Inputs file without its script" })]);

    const edited = await analyze(
      pr({ "scripts/fix.ts": SCRIPT, "scripts/fix.inputs.yml": "org: acme\n" }, [
        { filename: "scripts/fix.ts", status: "modified" },
        { filename: "scripts/fix.inputs.yml", status: "added" },
      ]),
    );
    expect(edited.annotations.map((a) => a.title)).toContain("Inputs file without its script");
  });

  it("fails an inputs file for a plain script", async () => {
    const report = await analyze(
      pr({ "scripts/plain.ts": 'console.log("hi");\n', "scripts/plain.inputs.yml": "org: acme\n" }, added("scripts/plain.ts", "scripts/plain.inputs.yml")),
    );
    expect(report.annotations).toEqual([expect.objectContaining({ path: "scripts/plain.inputs.yml", message: expect.stringContaining("declares no inputs") })]);
  });

  it("warns that an inputs file already on the base branch, not in this pull request, would refuse the run", async () => {
    const report = await analyze(pr({ "scripts/fix.ts": SCRIPT, "scripts/fix.inputs.yml": "org: acme\n" }, added("scripts/fix.ts")));
    expect(report.annotations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: "scripts/fix.inputs.yml", annotation_level: "failure", title: "Inputs file not in this pull request" }),
      ]),
    );
  });

  it("fails an inputs file two scripts of the pull request would share (x.ts and x.mjs)", async () => {
    const report = await analyze(
      pr(
        { "scripts/fix.ts": SCRIPT, "scripts/fix.mjs": SCRIPT, "scripts/fix.inputs.yml": "org: acme\n" },
        added("scripts/fix.mjs", "scripts/fix.ts", "scripts/fix.inputs.yml"),
      ),
    );
    expect(report.annotations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: "scripts/fix.inputs.yml",
          title: "Inputs file of two scripts",
          message: expect.stringContaining("scripts/fix.mjs and scripts/fix.ts"),
        }),
      ]),
    );
  });

  it("accepts the inputs file under the scripts-only policy, beside its script", async () => {
    const report = await analyze(
      pr(
        { "scripts/fix.ts": SCRIPT, "scripts/fix.inputs.yml": "org: acme\n", ".github/chorebot.yml": "policy:\n  scriptsOnly: fail\n" },
        added("scripts/fix.ts", "scripts/fix.inputs.yml"),
      ),
    );
    expect(report.annotations.filter((a) => a.title === "Outside the scripts and chores folders")).toEqual([]);
    expect(report.conclusion).toBe("success");
  });
});
