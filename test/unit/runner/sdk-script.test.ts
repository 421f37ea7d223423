import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { bundleScript } from "../../../src/runner/bundle-script.js";
import { readScriptDefinition } from "../../../src/definitions/read-definition.js";
import { createRedactor } from "../../../src/runner/redact.js";
import { runScript } from "../../../src/runner/run-script.js";
import { buildScriptEnv } from "../../../src/runner/script-env.js";

// A real defineScript script, bundled with the SDK from src/sdk, run in a child process
// from a directory where no `chorebot` package is installed.
const SCRIPT = [
  'import { counter, defineScript, fail, int, log, progress, string } from "chorebot";',
  'import { writeFileSync } from "node:fs";',
  'import { plan } from "./_helpers/plan.js";',
  "// Top-level code: here it only leaves a trace of each import.",
  'writeFileSync("imported-" + process.pid, "");',
  "export default defineScript({",
  '  description: "Renames a customer",',
  "  inputs: {",
  '    customer: string({ description: "customer id", pattern: /^c-\\d+$/ }),',
  "    batch: int({ default: 100, min: 1 }),",
  "    token: string({ secret: true, optional: true }),",
  "  },",
  '  timeout: "5m",',
  "  async run({ inputs }) {",
  "    log(`renaming ${inputs.customer} in batches of ${inputs.batch}, plan ${plan}`);",
  '    counter.inc("renamed", 2);',
  '    counter.inc("renamed");',
  "    progress({ done: 3, total: 3 });",
  '    if (inputs.customer === "c-0") fail(`no customer ${inputs.customer} (token ${process.env.API_TOKEN})`);',
  "    return { renamed: 3, customer: inputs.customer, token: process.env.API_TOKEN };",
  "  },",
  "});",
].join("\n");
const FILES: Record<string, string> = {
  "scripts/rename.ts": SCRIPT,
  "scripts/_helpers/plan.ts": 'export const plan = "pro";\n',
};
const hasSdk = existsSync(new URL("../../../src/sdk/runtime.ts", import.meta.url));

let cwd: string;
let code: string;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), "chorebot-sdk-cwd-"));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const secret = "tok-0123456789";
const env = { ...buildScriptEnv(process.env, []), API_TOKEN: secret };
const run = (inputs: Record<string, string>) => runScript({ code, cwd, env, timeoutMs: 10_000, inputs, redact: createRedactor([secret]) });

describe.skipIf(!hasSdk)("an SDK script, end to end", () => {
  beforeAll(async () => {
    const bundle = await bundleScript({ entry: "scripts/rename.ts", readFile: async (path) => FILES[path] ?? null });
    if (!bundle.ok) throw new Error(bundle.message);
    expect(bundle.usesSdk).toBe(true);
    expect(bundle.files).toEqual(["scripts/_helpers/plan.ts", "scripts/rename.ts"]);
    code = bundle.code;
  });

  test("runs its defineScript default export with the inputs and reports", async () => {
    const result = await run({ customer: "c-42", token: "hunter22" });
    expect(result).toMatchObject({ status: "succeeded", exitCode: 0, message: null });
    const report = result.report;
    expect(report).toMatchObject({
      inputs: { customer: "c-42", batch: 100, token: "[SECRET]" },
      counters: { renamed: 3 },
      progress: { done: 3, total: 3 },
      result: { renamed: 3, customer: "c-42", token: "[REDACTED]" },
      failReason: null,
      droppedLogs: 0,
      rejectedLines: 0,
    });
    expect(report?.logs.map((l) => l.message)).toEqual(["renaming c-42 in batches of 100, plan pro"]);
  });

  test("fail() fails the run with its reason, redacted", async () => {
    const result = await run({ customer: "c-0" });
    expect(result).toMatchObject({ status: "failed", exitCode: 1, message: "no customer c-0 (token [REDACTED])" });
    expect(result.report?.failReason).toBe("no customer c-0 (token [REDACTED])");
    expect(result.report?.result).toBeUndefined();
  });

  test("invalid inputs fail before run", async () => {
    const result = await run({ customer: "nope", batch: "0" });
    expect(result.status).toBe("failed");
    expect(result.report?.failReason).toMatch(/^invalid inputs: /);
    expect(result.report?.inputs).toBeNull();
    expect(result.report?.logs).toEqual([]);
  });

  test("its definition is read from the source, without running anything", async () => {
    const before = (await readdir(cwd)).filter((f) => f.startsWith("imported-")).length;
    expect(readScriptDefinition(SCRIPT, "scripts/rename.ts")).toEqual({
      definition: {
        description: "Renames a customer",
        inputs: {
          customer: { type: "string", required: true, description: "customer id", pattern: "^c-\\d+$" },
          batch: { type: "int", required: false, default: 100, min: 1 },
          token: { type: "string", required: false, secret: true },
        },
        concurrency: "self",
        timeoutMs: 300_000,
        env: null,
        schedule: null,
        workflow: null,
        iteration: null,
        approval: null,
      },
      usesDefineScript: true,
      problems: [],
    });
    expect((await readdir(cwd)).filter((f) => f.startsWith("imported-"))).toHaveLength(before);
  });

  test("under chorebot, a defined script handed no inputs (its definition was not read) does not run", async () => {
    const result = await runScript({ code, cwd, env, timeoutMs: 10_000, redact: createRedactor([secret]) });
    expect(result.status).toBe("failed");
    expect(result.report?.failReason).toMatch(/did not find this script's definition/);
    expect(result.report?.logs).toEqual([]);
  });
});
