import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { bundleScript } from "../../../src/runner/bundle-script.js";
import { runScript } from "../../../src/runner/run-script.js";
import { buildScriptEnv } from "../../../src/runner/script-env.js";

// The bundle runs from a temp dir; its package imports must resolve from the working
// directory, as they would for a script checked out there.
let cwd: string;

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), "chorebot-cwd-"));
  const files: Record<string, string> = {
    "node_modules/fake-esm/package.json": '{ "name": "fake-esm", "type": "module", "exports": "./index.js" }',
    "node_modules/fake-esm/index.js": 'import { dep } from "fake-dep";\nexport const esm = `esm+${dep}`;\n',
    // A dependency only fake-esm can see: package imports must keep resolving from the package.
    "node_modules/fake-esm/node_modules/fake-dep/package.json": '{ "name": "fake-dep", "main": "index.js" }',
    "node_modules/fake-esm/node_modules/fake-dep/index.js": 'exports.dep = "nested-dep";\n',
    "node_modules/fake-cjs/package.json": '{ "name": "fake-cjs", "main": "lib/main.js" }',
    "node_modules/fake-cjs/lib/main.js": 'exports.cjs = "cjs";\n',
  };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(cwd, path, ".."), { recursive: true });
    await writeFile(join(cwd, path), content);
  }
});

afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

async function bundleAndRun(files: Record<string, string>) {
  const bundle = await bundleScript({ entry: "scripts/main.ts", readFile: async (p) => files[p] ?? null });
  if (!bundle.ok) throw new Error(bundle.message);
  return runScript({ code: bundle.code, cwd, env: buildScriptEnv(process.env, []), timeoutMs: 10_000 });
}

test("packages in the working directory resolve at run time, ESM and CJS, via import and require", async () => {
  const result = await bundleAndRun({
    "scripts/main.ts": [
      'import { esm } from "fake-esm";',
      'import cjsDefault from "fake-cjs";',
      'import { helper } from "./_helpers/helper.js";',
      'const viaRequire = require("fake-cjs") as { cjs: string };',
      'const esmViaRequire = require("fake-esm") as { esm: string };',
      'const dynamic = (await import("fake-cjs")) as { cjs: string };',
      "console.log(esm, cjsDefault.cjs, viaRequire.cjs, esmViaRequire.esm, dynamic.cjs, helper);",
    ].join("\n"),
    "scripts/_helpers/helper.ts": 'export const helper = "helper";\n',
  });
  expect(result.output.lines.map((l) => l.text)).toEqual(["esm+nested-dep cjs cjs esm+nested-dep cjs helper"]);
  expect(result.status).toBe("succeeded");
});

test("a package missing from the working directory fails at run time, naming it", async () => {
  const result = await bundleAndRun({ "scripts/main.ts": 'import "not-installed-anywhere";\n' });
  expect(result.status).toBe("failed");
  expect(result.output.lines.map((l) => l.text).join("\n")).toContain("Cannot find package 'not-installed-anywhere'");
});

test("top-level await works", async () => {
  const result = await bundleAndRun({
    "scripts/main.ts": ['const value: string = await new Promise((r) => setTimeout(() => r("awaited"), 10));', "console.log(value);"].join("\n"),
  });
  expect(result).toMatchObject({ status: "succeeded" });
  expect(result.output.lines.map((l) => l.text)).toEqual(["awaited"]);
});
