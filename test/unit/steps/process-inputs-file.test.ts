import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { gitBlobSha } from "../../../src/github/commit-run-log.js";
import type { ProcessResult } from "../../../src/pipeline/job-data.js";
import type { ScriptTarget } from "../../../src/run-types.js";
import { processStep } from "../../../src/steps/process-step.js";
import { BundleStore } from "../../../src/stores/bundle-store.js";
import { mergedTarget, runData, standInOctokit, startGitHubStandIn, startStepQueues, type GitHubStandIn, type StepQueues } from "./step-fixtures.js";

const SECRET = "pr0d-t0ken-Zq81xWv";

let gh: GitHubStandIn;
let q: StepQueues;
let bundles: BundleStore;
beforeAll(async () => {
  [gh, q] = await Promise.all([startGitHubStandIn({ owner: "acme", repo: "widgets" }), startStepQueues()]);
});
afterAll(async () => {
  await q?.close();
  await gh?.close();
});
beforeEach(async () => {
  bundles = new BundleStore(q.redis, q.prefix);
  const octokit = await standInOctokit(gh);
  await q.handle("process", processStep({ octokitFor: async () => octokit, valuesToRedact: [SECRET], bundles }));
});
afterEach(() => q.reset());

const SCRIPT = `import { defineScript, string, int } from "chorebot";
export default defineScript({
  inputs: { org: string(), limit: int({ default: 10, min: 1 }), note: string({ optional: true }), token: string({ secret: true, optional: true }) },
  async run({ inputs }) { console.log(inputs.org, inputs.limit); },
});
`;

/** Merges a script and its inputs file (`inputs`; the merge commit may change it: `evil`), and processes the run discover would queue. */
async function processWithInputs(
  inputs: string,
  o: { source?: string; evil?: string } = {},
): Promise<{ runId: string; result: ProcessResult; inputsPath: string }> {
  const path = `scripts/inputs-${randomUUID().slice(0, 6)}.ts`;
  const inputsPath = path.replace(/\.ts$/, ".inputs.yml");
  const source = o.source ?? SCRIPT;
  const merged = await gh.mergePullRequest({
    files: { [path]: source, [inputsPath]: inputs },
    author: "alice",
    approvals: ["bob"],
    ...(o.evil === undefined ? {} : { mergeCommitFiles: { [inputsPath]: o.evil } }),
  });
  // Discover passes the blob the pull request's head had (it refuses any other before process).
  const target: ScriptTarget = { ...mergedTarget(gh, merged, path, source), inputsFile: { path: inputsPath, blob: gitBlobSha(inputs) } };
  const data = runData(target);
  const settled = q.settled("process", data.runId);
  await q.queue("process").add(target.path, data, { jobId: data.runId, attempts: 1 });
  const run = await settled;
  if (run.state !== "completed") throw run.error;
  return { runId: data.runId, result: run.value as ProcessResult, inputsPath };
}

describe("processStep with a reviewed inputs file", () => {
  it("hands execute the file's values (a required input given there is not refused), typed for the log and redacted there", async () => {
    const { runId, result, inputsPath } = await processWithInputs(`org: acme\nlimit: 25\nnote: "ticket ${SECRET}"\n`);
    expect(result.problem).toBeNull();
    expect(result.reviewedInputs).toEqual({
      path: inputsPath,
      values: { org: "acme", limit: "25", note: `ticket ${SECRET}` },
      logged: { org: "acme", limit: 25, note: "ticket [REDACTED]" },
    });
    expect(await bundles.load(runId)).not.toBeNull();
  });

  it("refuses, with the field's message and line, a value the check would have refused; keeps no bundle", async () => {
    const { runId, result, inputsPath } = await processWithInputs("org: acme\nlimit: 0\n");
    expect(result.problem).toMatchObject({ status: "refused" });
    expect(result.problem!.message).toBe(
      `${inputsPath} does not fit the inputs of ${inputsPath.replace(".inputs.yml", ".ts")}: line 2: \`limit\` must be an integer ≥ 1, got "0"`,
    );
    expect(result.reviewedInputs).toBeUndefined();
    expect(await bundles.load(runId)).toBeNull();
  });

  it("refuses a secret value without repeating it", async () => {
    const { result } = await processWithInputs("org: acme\ntoken: hunter2-hunter2\n");
    expect(result.problem!.message).toContain("`token` is a secret input");
    expect(JSON.stringify(result)).not.toContain("hunter2");
  });

  it("refuses an inputs file the merge commit itself changed: its values are not the reviewed ones", async () => {
    const { result, inputsPath } = await processWithInputs("org: acme\nlimit: 5\n", { evil: "org: acme\nlimit: 5000\n" });
    expect(result.problem).toMatchObject({ status: "refused", message: expect.stringContaining(`${inputsPath} at `) });
    expect(result.problem!.message).toContain("is neither the version at the head of pull request");
  });

  it("refuses an inputs file for a plain script", async () => {
    const { result } = await processWithInputs("org: acme\n", { source: 'console.log("plain");\n' });
    expect(result.problem!.message).toContain("declares no inputs");
  });
});
