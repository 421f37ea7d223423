import { describe, expect, it } from "vitest";
import { renderApprovals } from "../../../src/checks/render-approvals.js";
import { pullRequestCheckHarness } from "./pull-request-check-harness.js";

const chore = (approval: string) => `import { defineScript } from "chorebot";\nexport default defineScript({\n  approval: ${approval},\n  run() {},\n});\n`;

describe("the pull request check and approvals at run time", () => {
  const analyze = pullRequestCheckHarness("approval");

  it("says how many approvals each run of a chore waits for, and for how long", async () => {
    const report = await analyze({ "chores/refund.ts": chore('{ count: 2, timeout: "2d" }'), "chores/plain.ts": chore("{ count: 1 }") });
    expect(report.conclusion).toBe("success");
    const section = report.summary.slice(report.summary.indexOf("### Approval at run time")).split("\n");
    expect(section.slice(0, 5)).toEqual([
      "### Approval at run time",
      "",
      "- **chores\\/plain\\.ts**: Each run waits for 1 approval from people other than the one who asks, each with the permission to run it (times out after 7d; then it is cancelled, nothing of it ran).",
      "- **chores\\/refund\\.ts**: Each run waits for 2 approvals from people other than the one who asks, each with the permission to run it (times out after 2d; then it is cancelled, nothing of it ran).",
      "",
    ]);
  });

  it("a bad approval fails the check at its line", async () => {
    const report = await analyze({ "chores/refund.ts": chore("{ count: 9 }") });
    expect(report.conclusion).toBe("failure");
    expect(report.annotations).toContainEqual(expect.objectContaining({ path: "chores/refund.ts", start_line: 3, title: "Definition not readable" }));
    expect(report.summary).not.toContain("### Approval at run time");
  });

  it("no script asking for approval: no section", () => {
    expect(renderApprovals([{ path: "scripts/x.ts" }])).toEqual([]);
  });
});
