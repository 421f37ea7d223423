import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";
import { checkOf } from "./pull-request-check.js";

// The check runs in the real app's check thread: the workflow is bundled with the app's own
// SDK, read statically there, and the report reaches the GitHub stand-in.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const workflow = (steps: string) => `import { defineWorkflow, step } from "chorebot";
export default defineWorkflow({
  description: "Moves a customer to the new plan",
  state: { customer: null as string | null },
  steps: [
${steps}
  ],
});
`;

describe("the pull request check of a workflow, in the running app", () => {
  it("lists the steps, warns on a step without a rollback, and fails duplicate names and steps it cannot read", async () => {
    const ok = await checkOf(h, {
      "chores/move.ts": workflow(
        [
          '    step({ name: "reserve", run(state) { state.customer = "c-1"; }, rollback(state) { state.customer = null; } }),',
          '    step({ name: "charge <b>now</b>", run() {}, timeout: "30s" }),',
          '    step({ name: "notify", run() {}, rollback() {} }),',
        ].join("\n"),
      ),
    });
    expect(ok).toMatchObject({ conclusion: "neutral" });
    expect(ok!.annotations).toEqual([
      expect.objectContaining({ path: "chores/move.ts", start_line: 7, annotation_level: "warning", title: "Step without a rollback" }),
    ]);
    expect(ok!.annotations[0]!.message).toContain('step "charge <b>now</b>" has no rollback: if a later step fails, its work stays');
    expect(ok!.output.summary).toContain("### Workflows");
    expect(ok!.output.summary).toContain("| 1 | reserve | yes | 5 min |");
    expect(ok!.output.summary).toContain("| 2 | charge \\<b\\>now\\<\\/b\\> | ⚠️ no: its work stays | 30 s |");
    expect(ok!.output.summary).toContain("| 3 | notify | yes | 5 min |");

    const refused = await checkOf(h, {
      "scripts/2026-12-twice.ts": workflow(
        ['    step({ name: "a", run() {}, rollback() {} }),', '    step({ name: "a", run() {}, rollback() {} }),'].join("\n"),
      ),
      "scripts/2026-12-spread.ts": `const more = [];\n${workflow("    ...more,")}`,
    });
    expect(refused).toMatchObject({ conclusion: "failure" });
    expect(refused!.annotations.map((a) => [a.path, a.start_line, a.annotation_level, a.title]).sort()).toEqual([
      ["scripts/2026-12-spread.ts", 7, "failure", "Definition not readable"],
      ["scripts/2026-12-twice.ts", 7, "failure", "Definition not readable"],
    ]);
    expect(refused!.annotations.find((a) => a.path === "scripts/2026-12-twice.ts")?.message).toContain('the name "a" is taken by steps[0]');
    expect(refused!.output.summary).not.toContain("### Workflows");
  });
});
