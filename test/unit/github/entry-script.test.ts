import { describe, expect, it } from "vitest";
import { isEntryScript } from "../../../src/github/entry-script.js";

describe("isEntryScript", () => {
  it.each([
    ["scripts/2026-11-fix-plans.ts", true],
    ["scripts/billing/refund.mts", true],
    ["scripts/plain.js", true],
    ["scripts/plain.mjs", true],
    ["scripts/fix.test.ts", false],
    ["scripts/types.d.ts", false],
    ["scripts/_helpers.ts", false],
    ["scripts/_lib/db.ts", false],
    ["scripts/billing/_shared/x.ts", false],
    ["scripts/data.json", false],
    ["scripts/readme.md", false],
    ["scripts/legacy.cjs", false],
    ["src/scripts/fix.ts", false],
    ["scripts.ts", false],
    ["scriptsx/fix.ts", false],
    ["logs/fix.ts", false],
  ])("%s → %s", (path, expected) => {
    expect(isEntryScript(path)).toBe(expected);
  });

  it("honours another scripts folder", () => {
    expect(isEntryScript("ops/run/fix.ts", "ops/run")).toBe(true);
    expect(isEntryScript("scripts/fix.ts", "ops/run")).toBe(false);
  });
});
