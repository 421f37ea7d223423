import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, test } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const FIXTURE = fileURLToPath(new URL("fixtures/node-test-helpers.mjs", import.meta.url));

// "chorebot/testing" is the built package (dist/, which `npm ci` builds through `prepare`).
test("the helpers work under node:test, imported as chorebot/testing", async () => {
  expect(existsSync(new URL("dist/testing/index.js", `file://${ROOT}`)), "run `npm run build` first").toBe(true);
  const { stdout } = await promisify(execFile)(process.execPath, ["--test", "--test-reporter=tap", FIXTURE], { cwd: ROOT });
  expect(stdout).toMatch(/^# pass 2$/m);
  expect(stdout).toMatch(/^# fail 0$/m);
  expect(stdout).toMatch(/^ok \d+ - runWorkflow with a failing step$/m);
});
