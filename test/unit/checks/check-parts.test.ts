import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { annotationBatches, fitAnnotation, SUMMARY_LIMIT, truncateText } from "../../../src/checks/annotation-batches.js";
import { bundleAnnotations } from "../../../src/checks/bundle-annotations.js";
import { conclusionOf, type Annotation } from "../../../src/checks/check-report.js";
import { findMissingPackages, importLines, packageName } from "../../../src/checks/missing-packages.js";
import { formatDuration, renderSummary, type SummaryFacts } from "../../../src/checks/render-summary.js";
import { scriptsOnlyAnnotations } from "../../../src/checks/scripts-only-policy.js";
import { defaultRepoConfig } from "../../../src/github/repo-config.js";
import { bundleScript } from "../../../src/runner/bundle-script.js";

const config = defaultRepoConfig({ minApprovals: 1, maxTimeoutMs: 900_000, minChorePermission: "write" });
const at = (level: Annotation["annotation_level"]): Annotation => ({ path: "a", start_line: 1, end_line: 1, annotation_level: level, message: "m" });

describe("conclusionOf", () => {
  it.each([
    [[], false, "success"],
    [["notice"], false, "success"],
    [["notice", "warning"], false, "neutral"],
    [["warning", "failure"], false, "failure"],
    [[], true, "failure"],
  ] as const)("%o (failed: %s) → %s", (levels, failed, expected) => {
    expect(conclusionOf(levels.map(at), failed)).toBe(expected);
  });
});

describe("scriptsOnlyAnnotations", () => {
  const files = [
    { filename: "scripts/a.ts", status: "added" },
    { filename: "scripts/_lib/db.ts", status: "modified" },
    { filename: "src/app.ts", status: "modified" },
    { filename: ".github/chorebot.yml", status: "added" },
    { filename: "scripts/moved.ts", status: "renamed", previous_filename: "drafts/moved.ts" },
    { filename: "scriptsfoo/x.ts", status: "added" },
    { filename: "old.txt", status: "removed" },
    { filename: "chores/tidy.ts", status: "modified" },
    { filename: "chores/_lib/db.ts", status: "added" },
    { filename: "chores/moved.ts", status: "renamed", previous_filename: "scripts/moved-before.ts" },
    { filename: "choresx/y.ts", status: "added" },
  ];
  it.each([
    ["off", []],
    ["warn", ["warning"]],
    ["fail", ["failure"]],
  ] as const)("policy %s", (policy, level) => {
    const annotations = scriptsOnlyAnnotations(files, config, policy);
    if (level.length === 0) return expect(annotations).toEqual([]);
    expect(annotations.map((a) => a.path)).toEqual(["src/app.ts", ".github/chorebot.yml", "scripts/moved.ts", "scriptsfoo/x.ts", "old.txt", "choresx/y.ts"]);
    expect(new Set(annotations.map((a) => a.annotation_level))).toEqual(new Set(level));
    expect(annotations[2]!.message).toMatch(/^drafts\/moved\.ts → scripts\/moved\.ts is renamed outside scripts\/ and chores\/\. /);
    expect(annotations[0]!.message).toContain("A pull request that adds or changes a script or a chore may only change scripts/ and chores/");
  });
  it("respects configured scripts and chores folders", () => {
    const folders = { scriptsDir: "ops/scripts", choresDir: "ops/chores" };
    const changed = [
      { filename: "ops/scripts/a.ts", status: "added" },
      { filename: "ops/chores/b.ts", status: "modified" },
      { filename: "ops/chores/_lib/c.ts", status: "modified" },
      { filename: "chores/d.ts", status: "added" },
    ];
    expect(scriptsOnlyAnnotations(changed, folders, "fail").map((a) => a.path)).toEqual(["chores/d.ts"]);
  });
});

describe("annotation batches and GitHub's limits", () => {
  it.each([
    [0, []],
    [1, [1]],
    [50, [50]],
    [51, [50, 1]],
    [130, [50, 50, 30]],
  ])("%i annotations → batches of %o", (n, sizes) => {
    expect(annotationBatches(Array.from({ length: n }, (_, i) => i)).map((b) => b.length)).toEqual(sizes);
  });

  it("truncates text with a marker, never splitting a surrogate pair", () => {
    expect(truncateText("short", 10)).toBe("short");
    const cut = truncateText("a".repeat(100), 50);
    expect(cut).toHaveLength(50);
    expect(cut.endsWith("… (truncated)")).toBe(true);
    const emoji = truncateText("😀".repeat(10), 6, "…");
    expect(emoji).toBe("😀😀…");
  });

  it("drops columns of a multi-line annotation and bounds its message", () => {
    expect(fitAnnotation({ ...at("failure"), end_line: 3, start_column: 2, end_column: 4, message: "x".repeat(10_000) })).toEqual({
      path: "a",
      start_line: 1,
      end_line: 3,
      annotation_level: "failure",
      message: expect.stringMatching(/^x{3998} …$/),
    });
  });
});

describe("renderSummary", () => {
  const facts = (overrides: Partial<SummaryFacts> = {}): SummaryFacts => ({
    config,
    configError: null,
    scripts: [
      { path: "scripts/a.ts", problems: [], typeChecked: true },
      { path: "scripts/b.ts", problems: ["`pg` is not installed", "1 type error"], typeChecked: true },
    ],
    chores: [],
    scriptEnv: ["DATABASE_URL"],
    author: "alice",
    approvedBy: ["bob"],
    notes: [],
    omittedAnnotations: 0,
    ...overrides,
  });

  it("lists the scripts in run order with their results, the timeout, env names and approvals", () => {
    const summary = renderSummary(facts());
    expect(summary).toContain("### On merge, chorebot will run 2 scripts");
    expect(summary).toContain("| 1 | `scripts/a.ts` | ✅ bundles, type-checks, packages installed |");
    expect(summary).toContain("| 2 | `scripts/b.ts` | ❌ `pg` is not installed<br>❌ 1 type error |");
    expect(summary).toContain("15 min per script");
    expect(summary).toContain("`DATABASE_URL`");
    expect(summary).toContain("1 required on the latest commit from someone other than @alice; approved by @bob.");
  });

  it.each([
    [{ order: "parallel" as const }, "All at the same time"],
    [{ stopOnFailure: true }, "a failing script stops the ones after it"],
    [{ requiredApprovals: 3 }, "**2 still missing**"],
    [{ cleanup: "pull_request" as const }, "in a pull request chorebot opens"],
  ])("config %o says %s", (change, text) => {
    expect(renderSummary(facts({ config: { ...config, ...change } }))).toContain(text);
  });

  it("names no values, says when there are no variables, shows the config error and notes", () => {
    const summary = renderSummary(facts({ scriptEnv: [], configError: "bad: x", notes: ["TypeScript is missing"], omittedAnnotations: 3 }));
    expect(summary).toContain("no configured variables");
    expect(summary).toContain("invalid:** bad: x");
    expect(summary).toContain("> TypeScript is missing");
    expect(summary).toContain("3 more annotation(s) not shown");
  });

  it("lists chores apart, as staying in the repository and not running on merge, with their results", () => {
    const chores = [
      { path: "chores/tidy.ts", problems: [], typeChecked: true },
      { path: "chores/rotate.ts", problems: ["env asks for variables SCRIPT_ENV does not allow"], typeChecked: false },
    ];
    const summary = renderSummary(facts({ chores, config: { ...config, requiredApprovals: 2, chores: { permission: "maintain" } } }));
    expect(summary).toContain("### On merge, chorebot will run 2 scripts");
    expect(summary).toContain("### 2 chores added or changed");
    expect(summary).toContain(
      "Chores stay in `chores/` and do not run on merge: from then on, people with at least the `maintain` role can run this version on demand",
    );
    expect(summary).toContain("| `chores/tidy.ts` | ✅ bundles, type-checks, packages installed |");
    expect(summary).toContain("| `chores/rotate.ts` | ❌ env asks for variables SCRIPT_ENV does not allow |");
    expect(summary).toContain("(the scripts will be refused and the chores' new versions will not run if merged now)");
    expect(summary).toContain("each run's log is committed under `logs/chores/<chore>/`");
  });

  it("says nothing of scripts running on merge when a pull request changes only chores", () => {
    const summary = renderSummary(facts({ scripts: [], chores: [{ path: "chores/tidy.ts", problems: [], typeChecked: false }], approvedBy: [] }));
    expect(summary).not.toContain("On merge, chorebot will run");
    expect(summary).not.toContain("the script removed");
    expect(summary).toContain("### 1 chore added or changed");
    expect(summary).toContain("| `chores/tidy.ts` | ✅ bundles, packages installed |");
    expect(summary).toContain("**1 still missing** (the chores' new versions will not run if merged now)");
  });

  it("stays within GitHub's summary limit", () => {
    const scripts = Array.from({ length: 2000 }, (_, i) => ({ path: `scripts/${"x".repeat(40)}-${i}.ts`, problems: ["p".repeat(20)], typeChecked: false }));
    const summary = renderSummary(facts({ scripts }));
    expect(summary.length).toBeLessThanOrEqual(SUMMARY_LIMIT);
    expect(summary.endsWith("… (truncated)")).toBe(true);
  });

  it.each([
    [5_000, "5 s"],
    [90_000, "90 s"],
    [900_000, "15 min"],
    [3_600_000, "60 min"],
    [7_200_000, "2 h"],
    [7_230_000, "120 min 30 s"],
  ])("formatDuration(%i) = %s", (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe("bundle errors and bare imports", () => {
  it("maps bundle errors to annotations, on the entry when esbuild names no place", () => {
    expect(
      bundleAnnotations("scripts/a.ts", [
        { file: "scripts/_x.ts", line: 3, column: 7, text: "Expected ';'" },
        { file: null, line: null, column: null, text: "something global" },
      ]),
    ).toEqual([
      {
        path: "scripts/_x.ts",
        start_line: 3,
        end_line: 3,
        start_column: 7,
        end_column: 7,
        annotation_level: "failure",
        title: "Does not bundle",
        message: "Expected ';'",
      },
      { path: "scripts/a.ts", start_line: 1, end_line: 1, annotation_level: "failure", title: "Does not bundle", message: "something global" },
    ]);
  });

  it("returns the bundle's external specifiers", async () => {
    const files: Record<string, string> = {
      "scripts/a.ts": 'import pg from "pg";\nimport { b } from "./_b.js";\nimport fs from "node:fs";\nconsole.log(pg, b, fs);\n',
      "scripts/_b.ts": 'import x from "@scope/pkg/sub";\nconst y = require("lodash");\nexport const b = [x, y, await import("pg")];\n',
    };
    const result = await bundleScript({ entry: "scripts/a.ts", readFile: async (path) => files[path] ?? null });
    if (!result.ok) throw new Error(result.message);
    expect(result.externals).toEqual(["@scope/pkg/sub", "lodash", "node:fs", "pg"]);
  });

  it.each([
    ["pg", "pg"],
    ["pg/lib/client", "pg"],
    ["@scope/x", "@scope/x"],
    ["@scope/x/y", "@scope/x"],
  ])("packageName(%s) = %s", (specifier, name) => expect(packageName(specifier)).toBe(name));

  it("finds the lines that import a specifier", () => {
    const text = [
      'import pg from "pg";',
      "const a = 'pg';",
      "const c = require( 'pg' );",
      'export * from "pg";',
      'const d = await import("pg");',
      'import x from "pg/lib";',
    ].join("\n");
    expect(importLines(text, "pg")).toEqual([1, 3, 4, 5]);
  });

  describe("findMissingPackages", () => {
    let cwd: string;
    beforeAll(async () => {
      cwd = await mkdtemp(join(tmpdir(), "chorebot-missing-"));
      const pkg = async (name: string, manifest: object, file = "index.js") => {
        await mkdir(join(cwd, "node_modules", name), { recursive: true });
        await writeFile(join(cwd, "node_modules", name, "package.json"), JSON.stringify({ name, version: "1.0.0", ...manifest }));
        await writeFile(join(cwd, "node_modules", name, file), "module.exports = {};\n");
      };
      await pkg("plain", { main: "index.js" });
      await pkg("@scope/esm", { type: "module", exports: { ".": "./index.js", "./sub": "./index.js" } });
      await pkg("cjs-only", { exports: { require: "./index.cjs" } }, "index.cjs");
    });
    afterAll(() => rm(cwd, { recursive: true, force: true }));

    it("reports only packages that resolve neither by import nor by require from the scripts' directory", () => {
      expect(
        findMissingPackages(["fs", "node:fs", "node:test", "plain", "@scope/esm", "@scope/esm/sub", "@scope/esm/nope", "cjs-only", "pg", "left-pad/x"], cwd),
      ).toEqual(["@scope/esm/nope", "pg", "left-pad/x"]);
    });
  });
});
