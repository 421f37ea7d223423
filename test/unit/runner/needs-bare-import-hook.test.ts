import { describe, expect, it } from "vitest";
import { bundleScript } from "../../../src/runner/bundle-script.js";
import { needsBareImportHook } from "../../../src/runner/bare-import-hook.js";

async function bundled(source: string): Promise<string> {
  const result = await bundleScript({ entry: "scripts/x.ts", readFile: async (path) => (path === "scripts/x.ts" ? source : null) });
  if (!result.ok) throw new Error(result.message);
  return result.code;
}

describe("needsBareImportHook", () => {
  it.each([
    ["no imports at all", "console.log(1);", false],
    ["builtins only", 'import { readFileSync } from "node:fs";\nimport os from "os";\nconsole.log(readFileSync, os);', false],
    ["a package", 'import pg from "pg";\nconsole.log(pg);', true],
    ["a scoped package's subpath, named imports", 'import { PrismaClient } from "@prisma/client/edge";\nconsole.log(PrismaClient);', true],
    ["a re-export of a package", 'export * from "lodash";', true],
    ["a dynamic import, whatever its specifier", "const name = process.argv[2]!;\nawait import(name);", true],
    ["a dynamic builtin import", 'const fs = await import("node:fs");\nconsole.log(fs);', true],
  ])("%s in the bundle: %s", async (_, source, expected) => {
    expect(needsBareImportHook(await bundled(source))).toBe(expected);
  });

  it("reads imports spread over lines; require needs no hook, the banner resolves it from the cwd", () => {
    expect(needsBareImportHook('import {\n  a,\n  b,\n} from "pkg";')).toBe(true);
    expect(needsBareImportHook('const x = require("pg");')).toBe(false);
  });
});
