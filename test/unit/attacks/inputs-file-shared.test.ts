import { describe, expect, it } from "vitest";
import { attributeScripts } from "../../../src/github/attribute-scripts.js";
import type { MergedPullRequest } from "../../../src/github/merged-pull-requests.js";

// `scripts/fix.ts` and `scripts/fix.mjs` both take `scripts/fix.inputs.yml`. The pull request
// check fails such a file (340e373), but a check is not a gate unless the repository makes it
// one: the push must refuse it too, or one file's values feed two scripts.
const pull: MergedPullRequest = {
  number: 1,
  title: "PR 1",
  url: "https://github.com/acme/widgets/pull/1",
  author: "alice",
  headSha: "h".repeat(40),
  mergeCommit: "1".repeat(40),
  baseCommit: "0".repeat(40),
};
const pushedTo = { after: "a".repeat(40), defaultBranch: "main" };
const INPUTS = "scripts/fix.inputs.yml";

describe("one inputs file beside two scripts of a push", () => {
  it("refuses both runs, naming both scripts, and leaves the file to cleanup", () => {
    const files = [
      { filename: "scripts/fix.mjs", status: "added", sha: "m1" },
      { filename: "scripts/fix.ts", status: "added", sha: "t1" },
      { filename: INPUTS, status: "added", sha: "i1" },
    ];
    const judged = attributeScripts(
      [
        { path: "scripts/fix.mjs", blob: "m1", inputsFile: { path: INPUTS, blob: "i1" } },
        { path: "scripts/fix.ts", blob: "t1", inputsFile: { path: INPUTS, blob: "i1" } },
      ],
      [{ pull, files, complete: true }],
      pushedTo,
    );
    for (const attribution of judged) {
      expect(attribution.refusal).toBe(`scripts/fix.mjs and scripts/fix.ts would both run with ${INPUTS}: an inputs file gives values to one script`);
      expect(attribution.inputsFile).toEqual({ path: INPUTS, blob: "i1" });
    }
  });

  it("leaves two such scripts alone when there is no inputs file", () => {
    const files = [
      { filename: "scripts/fix.mjs", status: "added", sha: "m1" },
      { filename: "scripts/fix.ts", status: "added", sha: "t1" },
    ];
    const judged = attributeScripts(
      [
        { path: "scripts/fix.mjs", blob: "m1", inputsFile: { path: INPUTS, blob: null } },
        { path: "scripts/fix.ts", blob: "t1", inputsFile: { path: INPUTS, blob: null } },
      ],
      [{ pull, files, complete: true }],
      pushedTo,
    );
    expect(judged.map((a) => a.refusal)).toEqual([null, null]);
  });
});
