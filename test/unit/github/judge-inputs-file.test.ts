import { describe, expect, it } from "vitest";
import { attributeScripts, type MergedWithFiles } from "../../../src/github/attribute-scripts.js";
import type { MergedPullRequest } from "../../../src/github/merged-pull-requests.js";

const sha = (c: string) => c.repeat(40);
const pull = (number: number): MergedPullRequest => ({
  number,
  title: `PR ${number}`,
  url: `https://github.com/acme/widgets/pull/${number}`,
  author: "alice",
  headSha: sha("h"),
  mergeCommit: sha(String(number)),
  baseCommit: sha("0"),
});
const pushedTo = { after: sha("a"), defaultBranch: "main" };
const SCRIPT = { path: "scripts/fix.ts", blob: "s1" };
const INPUTS = "scripts/fix.inputs.yml";
const scriptFile = { filename: SCRIPT.path, status: "added", sha: "s1" };

/** The script with its inputs file as the top of the push has it (blob null: not there), judged against `merged`. */
const judge = (blob: string | null, merged: MergedWithFiles[]) => attributeScripts([{ ...SCRIPT, inputsFile: { path: INPUTS, blob } }], merged, pushedTo)[0]!;

describe("an inputs file judged with its script", () => {
  it("goes with the run when the script's pull request brought that very version", () => {
    const merged = [{ pull: pull(1), files: [scriptFile, { filename: INPUTS, status: "added", sha: "i1" }], complete: true }];
    expect(judge("i1", merged)).toEqual({ ...SCRIPT, pullRequest: merged[0]!.pull, refusal: null, inputsFile: { path: INPUTS, blob: "i1" } });
  });

  it("changes nothing for a script without one", () => {
    const merged = [{ pull: pull(1), files: [scriptFile], complete: true }];
    expect(judge(null, merged)).toEqual({ ...SCRIPT, pullRequest: merged[0]!.pull, refusal: null });
    expect(attributeScripts([SCRIPT], merged, pushedTo)[0]).toEqual({ ...SCRIPT, pullRequest: merged[0]!.pull, refusal: null });
  });

  it("refuses one changed after the review (a later commit of the push, or the merge commit, changed it)", () => {
    const merged = [{ pull: pull(1), files: [scriptFile, { filename: INPUTS, status: "added", sha: "approved" }], complete: true }];
    const judged = judge("changed", merged);
    expect(judged.refusal).toBe(
      `${INPUTS} at aaaaaaa is not the version at the head of pull request #1, which its reviews cover: a merge commit or a later commit changed it`,
    );
    // Deleted with the script all the same.
    expect(judged.inputsFile).toEqual({ path: INPUTS, blob: "changed" });
  });

  it("refuses one from a direct push (no pull request of the push brought it)", () => {
    const merged = [{ pull: pull(1), files: [scriptFile], complete: true }];
    const judged = judge("smuggled", merged);
    expect(judged.refusal).toMatch(
      /^scripts\/fix\.inputs\.yml was not added or changed by pull request #1, which added scripts\/fix\.ts \(it came from a direct push/,
    );
    expect(judged.inputsFile).toEqual({ path: INPUTS, blob: "smuggled" });
  });

  it("refuses one another pull request of the same push brought, even at the version it approved", () => {
    const merged = [
      { pull: pull(1), files: [scriptFile], complete: true },
      { pull: pull(2), files: [{ filename: INPUTS, status: "added", sha: "i2" }], complete: true },
    ];
    expect(judge("i2", merged).refusal).toContain("was not added or changed by pull request #1");
  });

  it("refuses a script whose reviewed inputs file a later change of the push deleted: it would run with its defaults", () => {
    const merged = [
      { pull: pull(1), files: [scriptFile, { filename: INPUTS, status: "added", sha: "i1" }], complete: true },
      { pull: pull(2), files: [{ filename: INPUTS, status: "removed", sha: "" }], complete: true },
    ];
    const judged = judge(null, merged);
    expect(judged.refusal).toContain(`${INPUTS} came with scripts/fix.ts in pull request #1 but is gone at aaaaaaa`);
    expect(judged.inputsFile).toBeUndefined();
  });

  it("keeps the script's own refusal, and the inputs file for cleanup, when the script came by a direct push", () => {
    const judged = judge("i1", []);
    expect(judged.refusal).toContain("scripts/fix.ts was not added by a pull request merged into main in this push");
    expect(judged.inputsFile).toEqual({ path: INPUTS, blob: "i1" });
  });
});
