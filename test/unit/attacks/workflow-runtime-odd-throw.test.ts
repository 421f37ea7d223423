import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { runWorkflowSource } from "./workflow-runtime-harness.js";

const dir = mkdtempSync(join(tmpdir(), "wf-odd-throw-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// `instanceof` throws on a revoked proxy: a step that throws one must still be walked back.
describe("attack: a step that throws a value instanceof cannot look at", () => {
  test("a revoked proxy thrown by a step fails it, and the completed steps are rolled back", async () => {
    const marker = join(dir, "undone");
    const source = `
import { writeFileSync } from "node:fs";
import { defineWorkflow, step } from "chorebot";
export default defineWorkflow({
  state: {},
  steps: [
    step({ name: "reserve", run: () => {}, rollback: () => writeFileSync(${JSON.stringify(marker)}, "x") }),
    step({ name: "charge", run: () => { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); throw proxy; } }),
  ],
});
`;
    const { result } = await runWorkflowSource(source);
    expect(result.report?.workflow?.entries.map((e) => `${e.step}:${e.direction}:${e.outcome}`)).toEqual([
      "reserve:run:succeeded",
      "charge:run:failed",
      "reserve:rollback:succeeded",
    ]);
    expect(result.status).toBe("rolled_back");
    expect(existsSync(marker)).toBe(true);
  });
});
