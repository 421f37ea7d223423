import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { blob, fakeFlows, targets, discover, github } from "../steps/discover-fixtures.js";

// A file beside a script named like its inputs file in another case, or `.inputs.yaml`, is not
// read: the script would run on its defaults while the values reviewers approved sit beside it.
// The pull request check fails such a file, but a check is no gate: the push refuses the run.
describe("an inputs file under a look-alike name", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  it.each(["scripts/fix.Inputs.yml", "scripts/fix.inputs.YML", "scripts/Fix.inputs.yml", "scripts/fix.inputs.yaml", "scripts/fix.INPUTS.yaml"])(
    "%s refuses the script's run, naming it",
    async (lookalike) => {
      github({
        before: {},
        after: { "scripts/fix.ts": blob(1), [lookalike]: blob(2) },
        prFiles: [
          { filename: "scripts/fix.ts", status: "added", sha: blob(1) },
          { filename: lookalike, status: "added", sha: blob(2) },
        ],
      });
      const { flows, added } = fakeFlows();
      await discover(flows);
      const [target] = targets(added[0]);
      expect(target.path).toBe("scripts/fix.ts");
      expect(target.refusal).toBe(
        `${lookalike} is beside scripts/fix.ts, but its values are read only from scripts/fix.inputs.yml: rename it (the script would run on its defaults, not on the values reviewed there)`,
      );
    },
  );

  it("leaves a script alone beside another script's inputs file", async () => {
    github({
      before: {},
      after: { "scripts/fix.ts": blob(1), "scripts/fix-more.inputs.yml": blob(2), "scripts/other/fix.inputs.yml": blob(3) },
      prFiles: [{ filename: "scripts/fix.ts", status: "added", sha: blob(1) }],
    });
    const { flows, added } = fakeFlows();
    await discover(flows);
    expect(targets(added[0])[0].refusal).toBeNull();
  });
});
