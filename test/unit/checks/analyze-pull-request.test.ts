import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { analyzePullRequest, type CheckSettings } from "../../../src/checks/analyze-pull-request.js";
import { TestOctokit } from "../../helpers/test-probot.js";
import { fakeGitHub, freshSha, type FakeRepo } from "./fake-github.js";

const octokit = () => new TestOctokit({ auth: "token" });
const limits = { minApprovals: 1, maxTimeoutMs: 900_000, minChorePermission: "write" as const };
let emptyCwd: string;
let installedCwd: string;
const settings = (scriptCwd: string): CheckSettings => ({ scriptCwd, scriptEnv: ["DATABASE_URL", "STRIPE_KEY"], limits });

const TSCONFIG = JSON.stringify({
  compilerOptions: { target: "ES2023", module: "NodeNext", moduleResolution: "NodeNext", strict: true, types: ["node"], skipLibCheck: true, noEmit: true },
});

function pr(files: Record<string, string>, prFiles: FakeRepo["prFiles"], extra: Partial<FakeRepo> = {}): FakeRepo {
  return { owner: "acme", repo: "ops", number: 7, headSha: freshSha(), author: "alice", files, prFiles, ...extra };
}

async function analyze(repo: FakeRepo, scriptCwd = emptyCwd) {
  const recorded = fakeGitHub(repo);
  const report = await analyzePullRequest(octokit(), { ...repo, baseRef: "main", author: repo.author ?? "alice" }, settings(scriptCwd));
  return { report, recorded };
}

describe("analyzePullRequest", () => {
  beforeAll(async () => {
    nock.disableNetConnect();
    emptyCwd = await mkdtemp(join(tmpdir(), "chorebot-cwd-empty-"));
    installedCwd = await mkdtemp(join(tmpdir(), "chorebot-cwd-pg-"));
    await mkdir(join(installedCwd, "node_modules/pg"), { recursive: true });
    await writeFile(join(installedCwd, "node_modules/pg/package.json"), JSON.stringify({ name: "pg", version: "8.0.0", main: "index.js" }));
    await writeFile(join(installedCwd, "node_modules/pg/index.js"), "module.exports = {};\n");
  });
  afterAll(async () => {
    await rm(emptyCwd, { recursive: true, force: true });
    await rm(installedCwd, { recursive: true, force: true });
  });
  afterEach(() => nock.cleanAll());

  it("passes a clean script and says what will run, how long it may take and which variables it gets", async () => {
    const { report } = await analyze(
      pr(
        {
          "scripts/2026-11-backfill.ts":
            'import { plans } from "./_lib/plans.js";\nimport { readFileSync } from "node:fs";\nconsole.log(plans, readFileSync);\n',
          "scripts/_lib/plans.ts": 'export const plans: string[] = ["pro"];\n',
          ".github/chorebot.yml": "timeout: 120\nrequiredApprovals: 2\n",
        },
        [
          { filename: "scripts/2026-11-backfill.ts", status: "added" },
          { filename: "scripts/_lib/plans.ts", status: "added" },
        ],
        {
          reviews: [
            { user: { login: "bob" }, state: "APPROVED", commit_id: "x".repeat(40) },
            { user: { login: "alice" }, state: "APPROVED", commit_id: "x".repeat(40) },
          ],
        },
      ),
    );
    expect(report).not.toBeNull();
    expect(report!.conclusion).toBe("success");
    expect(report!.annotations).toEqual([]);
    expect(report!.title).toBe("1 script will run on merge; 2 approvals missing");
    expect(report!.summary).toContain("`scripts/2026-11-backfill.ts`");
    expect(report!.summary).toContain("2 min per script");
    expect(report!.summary).toContain("`DATABASE_URL`, `STRIPE_KEY`");
    expect(report!.summary).toContain("2 required");
    expect(report!.summary).toContain("**2 still missing**");
    expect(report!.summary).not.toContain("type-checks");
  });

  it("counts approvals on the head commit from people other than the author", async () => {
    const repo = pr({ "scripts/a.ts": "console.log(1);\n" }, [{ filename: "scripts/a.ts", status: "added" }]);
    repo.reviews = [
      { user: { login: "bob" }, state: "APPROVED", commit_id: repo.headSha },
      { user: { login: "alice" }, state: "APPROVED", commit_id: repo.headSha },
      { user: { login: "carol" }, state: "APPROVED", commit_id: "0".repeat(40) },
    ];
    const { report } = await analyze(repo);
    expect(report!.summary).toContain("approved by @bob.");
    expect(report!.title).toBe("1 script will run on merge");
  });

  it("judges a pull request by the base branch's settings, not the ones it brings", async () => {
    const repo = pr(
      { "scripts/a.ts": "console.log(1);\n", ".github/chorebot.yml": "requiredApprovals: 1\npolicy:\n  scriptsOnly: off\n" },
      [
        { filename: "scripts/a.ts", status: "added" },
        { filename: ".github/chorebot.yml", status: "modified" },
      ],
      { baseFiles: { ".github/chorebot.yml": "requiredApprovals: 2\n" } },
    );
    repo.reviews = [{ user: { login: "bob" }, state: "APPROVED", commit_id: repo.headSha }];
    const { report } = await analyze(repo);
    expect(report!.summary).toContain("2 required");
    expect(report!.summary).toContain("**1 still missing**");
    expect(report!.conclusion).toBe("failure"); // scriptsOnly: fail, as on main
    expect(report!.annotations.map((a) => a.path)).toEqual([".github/chorebot.yml"]);
    expect(report!.summary).toContain("it is judged by the settings on `main`; its own apply from the next push");
  });

  it("does not count approvals from people without write access, or from bots", async () => {
    const repo = pr({ "scripts/a.ts": "console.log(1);\n" }, [{ filename: "scripts/a.ts", status: "added" }], {
      permissions: { reader: "read", triager: "read", outsider: "none" },
    });
    repo.reviews = ["reader", "triager", "outsider", "renovate[bot]"].map((login) => ({ user: { login }, state: "APPROVED", commit_id: repo.headSha }));
    const { report } = await analyze(repo);
    expect(report!.title).toBe("1 script will run on merge; 1 approval missing");
    repo.reviews.push({ user: { login: "maintainer" }, state: "APPROVED", commit_id: repo.headSha });
    expect((await analyze(repo)).report!.title).toBe("1 script will run on merge");
  });

  it("reads a script's definition without running it: a non-literal is a failure on its line, a required input without default too", async () => {
    const source = [
      'import { defineScript, int, string } from "chorebot";',
      "const LIMIT = 5;",
      "export default defineScript({",
      "  inputs: {",
      "    limit: int({ default: LIMIT }),",
      "    since: string(),",
      "  },",
      "  async run() {},",
      "});",
    ].join("\n");
    const { report } = await analyze(pr({ "scripts/defined.ts": source }, [{ filename: "scripts/defined.ts", status: "added" }]));
    expect(report!.conclusion).toBe("failure");
    expect(report!.annotations).toEqual([
      expect.objectContaining({
        path: "scripts/defined.ts",
        start_line: 5,
        annotation_level: "failure",
        title: "Definition not readable",
        message: expect.stringMatching(/inputs\.limit: default must be a literal/),
      }),
    ]);
    nock.cleanAll();
    const fixed = await analyze(
      pr({ "scripts/defined.ts": source.replace("default: LIMIT", "default: 5") }, [{ filename: "scripts/defined.ts", status: "added" }]),
    );
    expect(fixed.report!.annotations).toEqual([
      expect.objectContaining({
        path: "scripts/defined.ts",
        title: "Required input without a default",
        message: expect.stringContaining("input `since` is required and has no default"),
      }),
    ]);
  });

  it("returns null, without reading files or reviews, when the pull request adds no script", async () => {
    const { report, recorded } = await analyze(
      pr({ "README.md": "hi" }, [
        { filename: "README.md", status: "modified" },
        { filename: "scripts/_lib/db.ts", status: "added" },
        { filename: "scripts/old.ts", status: "removed" },
      ]),
    );
    expect(report).toBeNull();
    expect(recorded.reads).toEqual([".github/chorebot.yml"]);
  });

  it("annotates a syntax error at its file, line and column", async () => {
    const { report } = await analyze(
      pr({ "scripts/fix.ts": 'import { x } from "./_lib/x.js";\nconsole.log(x);\n', "scripts/_lib/x.ts": "export const x = 1;\nexport const y = (;\n" }, [
        { filename: "scripts/fix.ts", status: "added" },
        { filename: "scripts/_lib/x.ts", status: "added" },
      ]),
    );
    expect(report!.conclusion).toBe("failure");
    expect(report!.annotations).toEqual([
      expect.objectContaining({
        path: "scripts/_lib/x.ts",
        start_line: 2,
        end_line: 2,
        start_column: 19,
        annotation_level: "failure",
        title: "Does not bundle",
      }),
    ]);
    expect(report!.summary).toMatch(/`scripts\/fix\.ts` \| ❌ does not bundle \(1 error\)/);
  });

  it("refuses a symlinked script", async () => {
    const repo = pr({}, [{ filename: "scripts/link.ts", status: "added" }]);
    fakeGitHub(repo);
    // Interceptors match in order: this one answers before the fake's contents route.
    nock.cleanAll();
    nock("https://api.github.com")
      .get(/\/contents\/scripts(\/|%2F)link\.ts/)
      .query(true)
      .reply(200, { type: "symlink", path: "scripts/link.ts", target: "/etc/passwd" });
    fakeGitHub(repo);
    const report = await analyzePullRequest(octokit(), { ...repo, baseRef: "main", author: "alice" }, settings(emptyCwd));
    expect(report!.conclusion).toBe("failure");
    expect(report!.annotations[0]).toMatchObject({ path: "scripts/link.ts", annotation_level: "failure", message: expect.stringMatching(/symbolic link/) });
  });

  it("type-checks with the repository's tsconfig.json and annotates a type error where it is", async () => {
    const { report } = await analyze(
      pr(
        {
          "tsconfig.json": TSCONFIG,
          "package.json": '{ "type": "module" }',
          "scripts/count.ts": [
            'import type { Plan } from "./_lib/types.js";',
            'import { readFileSync } from "node:fs";',
            'const plan: Plan = { name: "pro", seats: "ten" };',
            "console.log(plan, readFileSync, process.env.HOME);",
          ].join("\n"),
          "scripts/_lib/types.ts": "export interface Plan { name: string; seats: number }\n",
        },
        [{ filename: "scripts/count.ts", status: "added" }],
      ),
      process.cwd(),
    );
    expect(report!.conclusion).toBe("failure");
    expect(report!.annotations).toEqual([
      expect.objectContaining({
        path: "scripts/count.ts",
        start_line: 3,
        end_line: 3,
        start_column: 35,
        annotation_level: "failure",
        title: "TypeScript error TS2322",
        message: "Type 'string' is not assignable to type 'number'.",
      }),
    ]);
    expect(report!.summary).toContain("1 type error");
  });

  it("passes a script that type-checks, and says so", async () => {
    const { report } = await analyze(
      pr(
        {
          "tsconfig.json": TSCONFIG,
          "package.json": '{ "type": "module" }',
          "scripts/ok.ts": 'import { join } from "node:path";\nconst n: number = 1;\nconsole.log(join("a", String(n)), process.env.HOME);\n',
        },
        [{ filename: "scripts/ok.ts", status: "added" }],
      ),
      process.cwd(),
    );
    expect(report!.annotations).toEqual([]);
    expect(report!.conclusion).toBe("success");
    expect(report!.summary).toContain("✅ bundles, type-checks, packages installed");
  });

  it("fails a script importing a package that is not installed where scripts run, at the import line", async () => {
    const repo = (sha = freshSha()) =>
      pr(
        { "scripts/db.ts": 'import { readFileSync } from "fs";\nimport pg from "pg";\nconsole.log(pg, readFileSync);\n' },
        [{ filename: "scripts/db.ts", status: "added" }],
        { headSha: sha },
      );
    const missing = await analyze(repo(), emptyCwd);
    expect(missing.report!.conclusion).toBe("failure");
    expect(missing.report!.annotations).toEqual([
      {
        path: "scripts/db.ts",
        start_line: 2,
        end_line: 2,
        annotation_level: "failure",
        title: "Package not installed",
        message: "`pg` is not installed where scripts run (SCRIPT_CWD); merge the dependency first.",
      },
    ]);
    nock.cleanAll();
    const installed = await analyze(repo(), installedCwd);
    expect(installed.report!.conclusion).toBe("success");
    expect(installed.report!.annotations).toEqual([]);
  });

  it.each([
    ["off", "success", []],
    ["warn", "neutral", ["warning", "warning"]],
    ["fail", "failure", ["failure", "failure"]],
  ] as const)("applies scriptsOnly: %s to a pull request that also changes src/", async (policy, conclusion, levels) => {
    const { report } = await analyze(
      pr({ "scripts/a.ts": "console.log(1);\n", "src/app.ts": "export {};\n", ".github/chorebot.yml": `policy:\n  scriptsOnly: ${policy}\n` }, [
        { filename: "scripts/a.ts", status: "added" },
        { filename: "src/app.ts", status: "modified" },
        { filename: ".github/chorebot.yml", status: "added" },
      ]),
    );
    expect(report!.conclusion).toBe(conclusion);
    expect(report!.annotations.map((a) => a.annotation_level)).toEqual(levels);
    expect(report!.annotations.map((a) => a.path)).toEqual(levels.length ? ["src/app.ts", ".github/chorebot.yml"] : []);
  });

  it("fails on an invalid configuration, with the error in the summary and on the file", async () => {
    const { report } = await analyze(
      pr({ "scripts/a.ts": "console.log(1);\n", ".github/chorebot.yml": "timeout: 99999\n" }, [{ filename: "scripts/a.ts", status: "added" }]),
    );
    expect(report!.conclusion).toBe("failure");
    expect(report!.title).toBe("Invalid .github/chorebot.yml");
    expect(report!.annotations).toEqual([
      expect.objectContaining({
        path: ".github/chorebot.yml",
        start_line: 1,
        annotation_level: "failure",
        message: expect.stringMatching(/timeout: cannot exceed/),
      }),
    ]);
    expect(report!.summary).toContain("cannot exceed the server's maximum of 900 seconds");
  });

  it("reports an invalid configuration the pull request changes even without scripts", async () => {
    const { report } = await analyze(pr({ ".github/chorebot.yml": "order: random\n" }, [{ filename: ".github/chorebot.yml", status: "modified" }]));
    expect(report!.conclusion).toBe("failure");
    expect(report!.summary).toContain("0 scripts");
  });

  it("warns that a changed, already merged script will not run again", async () => {
    const { report } = await analyze(pr({ "scripts/a.ts": "console.log(2);\n" }, [{ filename: "scripts/a.ts", status: "modified" }]));
    expect(report!.conclusion).toBe("neutral");
    expect(report!.annotations).toEqual([expect.objectContaining({ path: "scripts/a.ts", annotation_level: "warning", title: "Will not run on merge" })]);
  });
  describe("chores", () => {
    const chore = (body: string[], head: string[] = []) =>
      [...head, 'import { defineScript, string } from "chorebot";', "export default defineScript({", ...body.map((line) => `  ${line}`), "});", ""].join("\n");
    const good = chore([
      'description: "Unlocks an account",',
      "inputs: { account: string() },",
      'env: ["DATABASE_URL"],',
      "async run({ inputs }) { console.log(inputs.account); },",
    ]);

    it("checks a chore a pull request adds like a script, and lists it as staying in the repository, not run on merge", async () => {
      const { report } = await analyze(
        pr({ "chores/unlock.ts": good, "chores/_lib/db.ts": "export const db = 1;\n" }, [
          { filename: "chores/unlock.ts", status: "added" },
          { filename: "chores/_lib/db.ts", status: "added" },
        ]),
      );
      expect(report).not.toBeNull();
      expect(report!.annotations).toEqual([]);
      expect(report!.conclusion).toBe("success");
      expect(report!.title).toBe("1 chore (runs on demand, not on merge); 1 approval missing");
      expect(report!.summary).toContain("### 1 chore added or changed");
      expect(report!.summary).toContain("Chores stay in `chores/` and do not run on merge");
      expect(report!.summary).toContain("| `chores/unlock.ts` | ✅ bundles, packages installed |");
      expect(report!.summary).not.toContain("On merge, chorebot will run");
    });

    it("checks an edited chore (an edit is what runs from then on), with no warning that it will not run", async () => {
      const { report } = await analyze(pr({ "chores/unlock.ts": good }, [{ filename: "chores/unlock.ts", status: "modified" }]));
      expect(report!.annotations).toEqual([]);
      expect(report!.summary).toContain("| `chores/unlock.ts` | ✅ bundles, packages installed |");
      expect(report!.summary).not.toContain("not run on merge (only scripts");
    });

    it("lists scripts and chores apart in one pull request", async () => {
      const { report } = await analyze(
        pr({ "chores/unlock.ts": good, "scripts/once.ts": "console.log(1);\n" }, [
          { filename: "chores/unlock.ts", status: "renamed", previous_filename: "chores/old-unlock.ts" },
          { filename: "scripts/once.ts", status: "added" },
        ]),
      );
      expect(report!.title).toBe("1 script will run on merge; 1 chore (runs on demand, not on merge); 1 approval missing");
      expect(report!.summary).toMatch(
        /### On merge, chorebot will run 1 script\n[\s\S]*\| 1 \| `scripts\/once\.ts` \|[\s\S]*### 1 chore added or changed\n[\s\S]*\| `chores\/unlock\.ts` \|/,
      );
    });

    it("fails a chore that does not bundle, at the error", async () => {
      const { report } = await analyze(
        pr({ "chores/broken.ts": good.replace("async run", "async run(") }, [{ filename: "chores/broken.ts", status: "added" }]),
      );
      expect(report!.conclusion).toBe("failure");
      expect(report!.annotations).toEqual([expect.objectContaining({ path: "chores/broken.ts", annotation_level: "failure", title: "Does not bundle" })]);
      expect(report!.summary).toMatch(/\| `chores\/broken\.ts` \| ❌ does not bundle \(1 error\) \|/);
    });

    it("fails a chore whose definition cannot be read, where it is; its required inputs without defaults are fine (people give them)", async () => {
      const source = chore(["inputs: { account: string() },", "timeout: TIMEOUT,", "run() {},"], ['const TIMEOUT = "5m";']);
      const { report } = await analyze(pr({ "chores/unreadable.ts": source }, [{ filename: "chores/unreadable.ts", status: "added" }]));
      expect(report!.conclusion).toBe("failure");
      expect(report!.annotations).toEqual([
        expect.objectContaining({
          path: "chores/unreadable.ts",
          start_line: 5,
          annotation_level: "failure",
          title: "Definition not readable",
          message: expect.stringMatching(/^timeout must be a literal/),
        }),
      ]);
      expect(report!.summary).toContain("❌ chorebot cannot read its definition (1 problem)");
    });

    it("fails a chore whose env asks for variables outside SCRIPT_ENV, on its env line", async () => {
      const source = chore(['description: "Rotates keys",', 'env: ["DATABASE_URL", "AWS_SECRET", "GH_TOKEN"],', "run() {},"]);
      const { report } = await analyze(pr({ "chores/rotate.ts": source }, [{ filename: "chores/rotate.ts", status: "added" }]));
      expect(report!.conclusion).toBe("failure");
      expect(report!.annotations).toEqual([
        {
          path: "chores/rotate.ts",
          start_line: 4,
          end_line: 4,
          annotation_level: "failure",
          title: "Variable not in SCRIPT_ENV",
          message:
            "The script's env asks for AWS_SECRET and GH_TOKEN, which SCRIPT_ENV does not allow: add them to SCRIPT_ENV or take them out of the script's env. Until then chorebot refuses to run it.",
        },
      ]);
      expect(report!.summary).toContain("| `chores/rotate.ts` | ❌ env asks for variables SCRIPT_ENV does not allow |");
    });

    it("fails a script whose env asks for a variable outside SCRIPT_ENV too", async () => {
      const source = chore(["run() {},", 'env: ["STRIPE_KEY", "NOPE"],']);
      const { report } = await analyze(pr({ "scripts/charge.ts": source }, [{ filename: "scripts/charge.ts", status: "added" }]));
      expect(report!.annotations).toEqual([
        expect.objectContaining({
          path: "scripts/charge.ts",
          start_line: 4,
          title: "Variable not in SCRIPT_ENV",
          message: expect.stringContaining("asks for NOPE,"),
        }),
      ]);
    });

    it("fails a chore importing a package not installed where scripts run", async () => {
      const source = chore(["run() { console.log(pg); },"], ['import pg from "pg";']);
      const { report } = await analyze(pr({ "chores/db.ts": source }, [{ filename: "chores/db.ts", status: "added" }]));
      expect(report!.annotations).toEqual([expect.objectContaining({ path: "chores/db.ts", start_line: 1, title: "Package not installed" })]);
    });

    it("type-checks chores with the scripts", async () => {
      const source = chore(["run() { const n: number = inputs; console.log(n); },"], ['const inputs = "x";']);
      const { report } = await analyze(
        pr({ "tsconfig.json": TSCONFIG, "package.json": '{ "type": "module" }', "chores/typed.ts": source }, [
          { filename: "chores/typed.ts", status: "added" },
        ]),
        process.cwd(),
      );
      expect(report!.annotations).toEqual([expect.objectContaining({ path: "chores/typed.ts", title: "TypeScript error TS2322" })]);
      expect(report!.summary).toContain("| `chores/typed.ts` | ❌ 1 type error |");
    });

    it("uses the repository's choresDir, and keeps scriptsOnly to the scripts and chores folders", async () => {
      const { report } = await analyze(
        pr(
          { ".github/chorebot.yml": "choresDir: ops/chores\n", "ops/chores/unlock.ts": good, "ops/chores/_lib/db.ts": "export {};\n", "chores/stray.ts": good },
          [
            { filename: "ops/chores/unlock.ts", status: "modified" },
            { filename: "ops/chores/_lib/db.ts", status: "modified" },
            { filename: "chores/stray.ts", status: "added" },
          ],
        ),
      );
      expect(report!.summary).toContain("| `ops/chores/unlock.ts` |");
      expect(report!.summary).not.toContain("`chores/stray.ts` |");
      expect(report!.annotations).toEqual([expect.objectContaining({ path: "chores/stray.ts", title: "Outside the scripts and chores folders" })]);
    });

    it("returns null for a pull request removing a chore, and for one changing none", async () => {
      expect((await analyze(pr({}, [{ filename: "chores/old.ts", status: "removed" }]))).report).toBeNull();
      nock.cleanAll();
      expect((await analyze(pr({ "chores/x.test.ts": "" }, [{ filename: "chores/x.test.ts", status: "added" }]))).report).toBeNull();
    });
  });
});
