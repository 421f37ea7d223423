import { describe, expect, test } from "vitest";
import { bundleScript } from "../../../src/runner/bundle-script.js";

/** A virtual repository that records which paths the bundler asked for. */
function repo(files: Record<string, string>) {
  const reads: string[] = [];
  const readFile = async (path: string) => {
    reads.push(path);
    return files[path] ?? null;
  };
  return { readFile, reads };
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
      "scripts/_helpers/x.ts": 'export const greet = (name: string): string => `hello ${name}`;\n',
      "scripts/_helpers/math.ts": "export function twice(n: number): number { return n * 2; }\n",
      "scripts/_helpers/types.ts": "export interface Plan { name: string }\n",
      "config/app.json": '{ "region": "eu-west-1" }\n',
      "scripts/lib/index.ts": 'export const version = "1.2.3";\n',
    });
    const result = await bundleScript({ entry: "scripts/main.ts", readFile });
    if (!result.ok) throw new Error(result.message);
    expect(result.files).toEqual([
      "scripts/_helpers/x.ts",
      "scripts/_helpers/math.ts",
      "config/app.json",
      "scripts/lib/index.ts",
      "scripts/main.ts",
    ]);
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
});
