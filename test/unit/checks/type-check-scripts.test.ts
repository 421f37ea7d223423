import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectTsconfigChain, collectTypeCheckFiles } from "../../../src/checks/collect-type-check-files.js";
import { loadTypeScript, type TypeScriptApi } from "../../../src/checks/load-typescript.js";
import { typeCheckScripts } from "../../../src/checks/type-check-scripts.js";

const TSCONFIG = JSON.stringify({ compilerOptions: { target: "ES2023", module: "NodeNext", strict: true, types: [], skipLibCheck: true } });

describe("typeCheckScripts", () => {
  let ts: TypeScriptApi;
  let cwd: string;
  beforeAll(async () => {
    ts = (await loadTypeScript())!;
    cwd = await mkdtemp(join(tmpdir(), "chorebot-tsc-"));
    await mkdir(join(cwd, "node_modules/typed-pkg"), { recursive: true });
    await writeFile(
      join(cwd, "node_modules/typed-pkg/package.json"),
      JSON.stringify({ name: "typed-pkg", version: "1.0.0", types: "index.d.ts", main: "index.js" }),
    );
    await writeFile(join(cwd, "node_modules/typed-pkg/index.d.ts"), "export declare const count: number;\n");
    // On this server's disk, but not in the pull request: must not be seen.
    await mkdir(join(cwd, "scripts/_lib"), { recursive: true });
    await writeFile(join(cwd, "scripts/_lib/on-disk.ts"), "export const x = 1;\n");
  });
  afterAll(() => rm(cwd, { recursive: true, force: true }));

  const check = (files: Record<string, string>, entries: string[], missingPackages: string[] = []) =>
    typeCheckScripts(ts, {
      scriptCwd: cwd,
      files: new Map(Object.entries({ "tsconfig.json": TSCONFIG, "package.json": '{"type":"module"}', ...files })),
      entries,
      missingPackages,
    });

  it("resolves packages and their types from the scripts' node_modules", () => {
    expect(check({ "scripts/a.ts": 'import { count } from "typed-pkg";\nconst s: number = count;\nconsole.log(s);\n' }, ["scripts/a.ts"])).toEqual([]);
    expect(check({ "scripts/a.ts": 'import { count } from "typed-pkg";\nconst s: string = count;\nconsole.log(s);\n' }, ["scripts/a.ts"])).toEqual([
      expect.objectContaining({
        path: "scripts/a.ts",
        start_line: 2,
        start_column: 7,
        end_column: 7,
        annotation_level: "failure",
        title: "TypeScript error TS2322",
      }),
    ]);
  });

  it("sees repository files only from the pull request, never from this server's disk", () => {
    const annotations = check({ "scripts/a.ts": 'import { x } from "./_lib/on-disk.js";\nconsole.log(x);\n' }, ["scripts/a.ts"]);
    expect(annotations).toEqual([expect.objectContaining({ path: "scripts/a.ts", start_line: 1, title: "TypeScript error TS2307" })]);
  });

  it("does not repeat 'Cannot find module' for a package already reported as not installed", () => {
    const files = { "scripts/a.ts": 'import pg from "pg";\nconsole.log(pg);\n' };
    expect(check(files, ["scripts/a.ts"], ["pg"])).toEqual([]);
    expect(check(files, ["scripts/a.ts"])).toEqual([expect.objectContaining({ title: "TypeScript error TS2307" })]);
  });

  it("reports errors in imported repository files at their place", () => {
    const annotations = check(
      { "scripts/a.ts": 'import { f } from "./_lib/f.js";\nconsole.log(f());\n', "scripts/_lib/f.ts": "export function f(): number {\n  return 'no';\n}\n" },
      ["scripts/a.ts"],
    );
    expect(annotations).toEqual([expect.objectContaining({ path: "scripts/_lib/f.ts", start_line: 2, annotation_level: "failure" })]);
  });

  it("warns on tsconfig.json about a bad compiler option, and skips JavaScript entries unless allowJs", () => {
    const annotations = typeCheckScripts(ts, {
      scriptCwd: cwd,
      files: new Map([
        ["tsconfig.json", JSON.stringify({ compilerOptions: { module: "NodeNext", target: "bogus" } })],
        ["scripts/a.ts", "console.log(1);\n"],
        ["scripts/b.mjs", "console.log(;\n"],
      ]),
      entries: ["scripts/a.ts", "scripts/b.mjs"],
    });
    expect(annotations.length).toBeGreaterThan(0);
    expect(annotations.every((a) => a.path === "tsconfig.json" && a.annotation_level === "warning")).toBe(true);
  });
});

describe("collecting what a type check needs", () => {
  it("follows relative imports, type-only ones included, and a tsconfig's relative extends", async () => {
    const ts = (await loadTypeScript())!;
    const repo: Record<string, string> = {
      "tsconfig.json": '{ "extends": "./config/base", "compilerOptions": {} }',
      "config/base.json": '{ "extends": "@tsconfig/node20/tsconfig.json" }',
      "scripts/a.ts": 'import type { T } from "./_lib/types.js";\nimport { b } from "../src/b";\nimport pg from "pg";\n',
      "scripts/_lib/types.ts": '/// <reference path="./globals.d.ts" />\nexport type T = 1;\n',
      "scripts/_lib/globals.d.ts": "declare const G: number;\n",
      "src/b/index.ts": 'export const b = 1;\nimport "./side.mjs";\n',
      "src/b/side.mts": "export {};\n",
    };
    const reads: string[] = [];
    const read = async (path: string) => (reads.push(path), repo[path] ?? null);
    const files = await collectTypeCheckFiles(ts, ["scripts/a.ts"], read);
    expect([...files.keys()].sort()).toEqual(["scripts/_lib/globals.d.ts", "scripts/_lib/types.ts", "scripts/a.ts", "src/b/index.ts", "src/b/side.mts"]);
    expect(reads).not.toContain("pg");
    expect([...(await collectTsconfigChain(ts, read)).keys()]).toEqual(["tsconfig.json", "config/base.json"]);
  });
});
