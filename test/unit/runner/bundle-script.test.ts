import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { bundleScript, isSdkBundle } from "../../../src/runner/bundle-script.js";

/** A virtual repository that records which paths the bundler asked for. */
function repo(files: Record<string, string>) {
  const reads: string[] = [];
  const readFile = async (path: string) => {
    reads.push(path);
    return files[path] ?? null;
  };
  return { readFile, reads };
}

const SOURCE_MAP = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\n$/;

/** A bundle's code and its inline source map, which it must end with. */
function splitSourceMap(bundle: string): { code: string; map: { sources: string[]; sourcesContent?: unknown; mappings: string } } {
  const found = SOURCE_MAP.exec(bundle);
  if (found === null) throw new Error("the bundle has no inline source map at its end");
  return { code: bundle.slice(0, found.index), map: JSON.parse(Buffer.from(found[1]!, "base64").toString("utf8")) };
}

describe("bundleScript", () => {
  test("bundles relative imports from the repository, in evaluation order", async () => {
    const { readFile, reads } = repo({
      "scripts/main.ts": [
        'import { greet } from "./_helpers/x";',
        'import { twice } from "./_helpers/math.js";',
        'import type { Plan } from "./_helpers/types.ts";',
        'import config from "../config/app.json";',
        'import { version } from "./lib";',
        'const plan: Plan = { name: "pro" };',
        "console.log(greet(plan.name), twice(21), config.region, version);",
      ].join("\n"),
      "scripts/_helpers/x.ts": "export const greet = (name: string): string => `hello ${name}`;\n",
      "scripts/_helpers/math.ts": "export function twice(n: number): number { return n * 2; }\n",
      "scripts/_helpers/types.ts": "export interface Plan { name: string }\n",
      "config/app.json": '{ "region": "eu-west-1" }\n',
      "scripts/lib/index.ts": 'export const version = "1.2.3";\n',
    });
    const result = await bundleScript({ entry: "scripts/main.ts", readFile });
    if (!result.ok) throw new Error(result.message);
    expect(result.files).toEqual(["scripts/_helpers/x.ts", "scripts/_helpers/math.ts", "config/app.json", "scripts/lib/index.ts", "scripts/main.ts"]);
    expect(result.code).toContain("hello ${name}");
    expect(result.code).toContain('"eu-west-1"');
    expect(result.code).not.toContain("Plan");
    expect(reads).not.toContain("scripts/_helpers/types.ts");
    // Bundles are compared across replicas and committed to the log: same input, same bytes.
    expect(await bundleScript({ entry: "./scripts/main.ts", readFile })).toEqual(result);
  });

  test("leaves bare package imports and builtins external and never looks them up", async () => {
    const { readFile, reads } = repo({
      "scripts/main.ts": [
        'import pg from "pg";',
        'import { thing } from "@scope/x/y";',
        'import { readFileSync } from "node:fs";',
        'import path from "path";',
        'const lodash = require("lodash");',
        "console.log(pg, thing, readFileSync, path, lodash);",
      ].join("\n"),
    });
    const result = await bundleScript({ entry: "scripts/main.ts", readFile });
    if (!result.ok) throw new Error(result.message);
    expect(result.code).toContain('from "pg"');
    expect(result.code).toContain('from "@scope/x/y"');
    expect(result.code).toContain('from "node:fs"');
    expect(result.code).toContain('from "path"');
    expect(result.code).toContain('__require("lodash")');
    expect(result.files).toEqual(["scripts/main.ts"]);
    expect(reads).toEqual(["scripts/main.ts"]);
  });

  test("keeps top-level await in an ES module", async () => {
    const { readFile } = repo({ "scripts/main.ts": "const n: number = await Promise.resolve(1);\nconsole.log(n);\n" });
    const result = await bundleScript({ entry: "scripts/main.ts", readFile });
    if (!result.ok) throw new Error(result.message);
    expect(result.code).toContain("await Promise.resolve(1)");
  });

  test("reports a syntax error at the file and line where it is", async () => {
    const { readFile } = repo({
      "scripts/main.ts": 'import { x } from "./_helpers/x";\nconsole.log(x);\n',
      "scripts/_helpers/x.ts": "// helper\nexport const x = 1;\nconst y: = 2;\n",
    });
    const result = await bundleScript({ entry: "scripts/main.ts", readFile });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([{ file: "scripts/_helpers/x.ts", line: 3, column: 10, text: 'Unexpected "="' }]);
    expect(result.message).toContain('scripts/_helpers/x.ts:3:10: error: Unexpected "="');
    expect(result.message).toContain("const y: = 2;");
  });

  test("reports an unresolved relative import at the importing line", async () => {
    const { readFile } = repo({
      "scripts/main.ts": 'console.log("start");\nimport { y } from "./_helpers/missing";\nconsole.log(y);\n',
    });
    const result = await bundleScript({ entry: "scripts/main.ts", readFile });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ file: "scripts/main.ts", line: 2, column: 19 });
    expect(result.errors[0]?.text).toContain('"./_helpers/missing"');
    expect(result.message).toContain("scripts/main.ts:2:19");
  });

  test("refuses imports that leave the repository, without reading them", async () => {
    const { readFile, reads } = repo({
      "scripts/main.ts": 'import "../../etc/passwd";\nimport "/etc/hosts";\n',
    });
    const result = await bundleScript({ entry: "scripts/main.ts", readFile });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.file, e.line])).toEqual([
      ["scripts/main.ts", 1],
      ["scripts/main.ts", 2],
    ]);
    expect(result.errors[0]?.text).toContain("outside the repository");
    expect(reads).toEqual(["scripts/main.ts"]);
  });

  test("reports a missing entry script without a location", async () => {
    const { readFile } = repo({});
    const result = await bundleScript({ entry: "scripts/nope.ts", readFile });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toMatchObject([{ file: null, line: null, column: null }]);
    expect(result.message).toContain("scripts/nope.ts");
  });

  test("rejects when readFile fails, so the caller can retry instead of blaming the script", async () => {
    const outage = new Error("GitHub API: 502");
    const readFile = async (path: string) => {
      if (path === "scripts/main.ts") return 'import "./_helpers/x";\n';
      throw outage;
    };
    await expect(bundleScript({ entry: "scripts/main.ts", readFile })).rejects.toBe(outage);
  });

  test("a plain script bundles exactly as before the SDK existed", async () => {
    // The fixture is this sample's bundle from before `chorebot` resolved to the SDK.
    const { readFile } = repo({
      "scripts/main.ts": [
        'import pg from "pg";',
        'import { readFileSync } from "node:fs";',
        'import { twice, type Row } from "./_helpers/math.js";',
        'import config from "../config/app.json";',
        'const lodash = require("lodash");',
        "const rows: Row[] = [{ id: twice(21) }];",
        "const value: number = await Promise.resolve(rows.length);",
        "export default function main() { return value; }",
        "console.log(pg, readFileSync, lodash, config.region, rows, value);",
      ].join("\n"),
      "scripts/_helpers/math.ts": "export interface Row { id: number }\nexport function twice(n: number): number { return n * 2; }\n",
      "config/app.json": '{ "region": "eu-west-1" }\n',
    });
    const result = await bundleScript({ entry: "scripts/main.ts", readFile });
    if (!result.ok) throw new Error(result.message);
    const { code, map } = splitSourceMap(result.code);
    expect(code).toBe(readFileSync(new URL("./fixtures/plain-bundle.mjs", import.meta.url), "utf8"));
    expect(map.sources).toEqual(["repo:scripts/main.ts", "repo:scripts/_helpers/math.ts", "repo:config/app.json"]);
    expect(result.usesSdk).toBe(false);
    expect(isSdkBundle(result.code)).toBe(false);
    expect(result.files).toEqual(["scripts/_helpers/math.ts", "config/app.json", "scripts/main.ts"]);
    expect(result.externals).toEqual(["lodash", "node:fs", "pg"]);
  });

  test("`chorebot` is the SDK shipped with the app, bundled from disk, never a package of the repository", async () => {
    // Nothing named chorebot is installed anywhere the script or this repository could see.
    for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
      expect(existsSync(join(dir, "node_modules", "chorebot"))).toBe(false);
    }
    const { readFile, reads } = repo({
      "scripts/main.ts": 'import { log } from "./_helpers/log.js";\nimport pg from "pg";\nlog(pg);\n',
      "scripts/_helpers/log.ts": 'import { log } from "chorebot";\nexport { log };\n',
    });
    const result = await bundleScript({ entry: "scripts/main.ts", readFile });
    if (!result.ok) throw new Error(result.message);
    expect(result.usesSdk).toBe(true);
    expect(isSdkBundle(result.code)).toBe(true);
    // Only the repository's files and imports, though the SDK's are in the bundle.
    expect(result.files).toEqual(["scripts/_helpers/log.ts", "scripts/main.ts"]);
    expect(result.externals).toEqual(["pg"]);
    expect(reads.every((path) => path.startsWith("scripts/"))).toBe(true);
    expect(result.code).not.toMatch(/from "chorebot"/);
    // SDK files are named relative to the app, the same on every machine.
    expect(result.code).toMatch(/^\/\/ (src|dist)\/sdk\/runtime\.(ts|js)$/m);
    expect(result.code).not.toContain(fileURLToPath(new URL("../../..", import.meta.url)));
    // The script's module is handed to the SDK runtime.
    expect(splitSourceMap(result.code).code).toMatch(/await runScriptModule\(\w+\);\s*$/);
    expect(await bundleScript({ entry: "scripts/main.ts", readFile })).toEqual(result);
  });

  test("the source map names the repository's files only: no SDK mappings, no sources' text, no packages, no local paths", async () => {
    const { readFile } = repo({
      "scripts/main.ts":
        'import { defineScript } from "chorebot";\nimport pg from "pg";\nimport { twice } from "./_lib/math.js";\nexport default defineScript({ async run() { return twice(pg.x); } });\n',
      "scripts/_lib/math.ts": "export const twice = (n: number): number => n * 2;\n",
    });
    const result = await bundleScript({ entry: "scripts/main.ts", readFile });
    if (!result.ok) throw new Error(result.message);
    const { code, map } = splitSourceMap(result.code);
    expect([...map.sources].sort()).toEqual(["repo:scripts/_lib/math.ts", "repo:scripts/main.ts"]);
    expect(map.sourcesContent).toBeUndefined();
    // The SDK's own mappings would double the stored bundle; without them the map is a few per cent of it.
    expect(result.code.length - code.length).toBeLessThan(code.length / 10);
    expect(Buffer.from(SOURCE_MAP.exec(result.code)![1]!, "base64").toString()).not.toContain(fileURLToPath(new URL("../../..", import.meta.url)));
  });

  test("a type-only import of `chorebot` leaves a script plain", async () => {
    const { readFile } = repo({ "scripts/main.ts": 'import type { RunContext } from "chorebot";\nconst c: RunContext<{}> | null = null;\nconsole.log(c);\n' });
    const result = await bundleScript({ entry: "scripts/main.ts", readFile });
    if (!result.ok) throw new Error(result.message);
    expect(result.usesSdk).toBe(false);
  });

  test("`chorebot/…` subpaths are refused at the importing line", async () => {
    const { readFile } = repo({ "scripts/main.ts": 'console.log(1);\nimport { x } from "chorebot/internal";\nconsole.log(x);\n' });
    const result = await bundleScript({ entry: "scripts/main.ts", readFile });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toMatchObject([{ file: "scripts/main.ts", line: 2 }]);
    expect(result.errors[0]?.text).toContain('import the chorebot SDK as "chorebot"');
  });

  test("isSdkBundle cannot be fooled by a plain script's contents", async () => {
    const { readFile } = repo({ "scripts/main.ts": 'console.log("// chorebot: this script runs through the chorebot SDK runtime");\n' });
    const result = await bundleScript({ entry: "scripts/main.ts", readFile });
    if (!result.ok) throw new Error(result.message);
    expect(isSdkBundle(result.code)).toBe(false);
  });
});
