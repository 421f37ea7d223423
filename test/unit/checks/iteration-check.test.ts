import { describe, expect, it } from "vitest";
import { renderIterations } from "../../../src/checks/render-iterations.js";
import { pullRequestCheckHarness } from "./pull-request-check-harness.js";

const BACKFILL = `import { defineScript } from "chorebot";
export default defineScript({
  async *collection({ cursor }: { cursor: number | null }) {
    for (let id = (cursor ?? 0) + 1; id <= 10; id++) yield { item: id, cursor: id };
  },
  process() {},
  batchSize: 250,
  pause: "2s",
  count: () => 10,
});
`;
const IMPORT = `import { csvRows, defineScript, file } from "chorebot";
export default defineScript({
  inputs: { codes: file() },
  collection: csvRows("codes"),
  process() {},
});
`;

describe("the pull request check and iterations", () => {
  const analyze = pullRequestCheckHarness("iteration");

  it("says how each iteration goes through its items", async () => {
    const report = await analyze({ "chores/backfill.ts": BACKFILL, "chores/import.ts": IMPORT });
    expect(report.conclusion).toBe("success");
    const section = report.summary.slice(report.summary.indexOf("### Iterations")).split("\n");
    expect(section.slice(0, 5)).toEqual([
      "### Iterations",
      "",
      "- **chores\\/backfill\\.ts**: Goes through its collection in batches of 250 items, each checkpointed, 2s apart; counted for progress. Pause and Resume go on from the last checkpoint.",
      "- **chores\\/import\\.ts**: Goes through the rows of the CSV input `codes` in batches of 100 items, each checkpointed; counted for progress. Pause and Resume go on from the last checkpoint.",
      "",
    ]);
  });

  it("a bad batch size fails the check at its line, and no iteration is shown", async () => {
    const report = await analyze({ "chores/backfill.ts": BACKFILL.replace("batchSize: 250", "batchSize: 20000") });
    expect(report.conclusion).toBe("failure");
    expect(report.annotations).toContainEqual(expect.objectContaining({ path: "chores/backfill.ts", start_line: 7, title: "Definition not readable" }));
    expect(report.summary).not.toContain("### Iterations");
  });

  it("no iteration, no section", () => {
    expect(renderIterations([{ path: "scripts/x.ts" }])).toEqual([]);
  });
});
