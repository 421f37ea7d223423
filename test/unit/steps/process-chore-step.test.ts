import { randomUUID } from "node:crypto";
import type { Job } from "bullmq";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { IndexedChore } from "../../../src/catalog-types.js";
import type { MergedPush } from "../../../src/github/handle-push.js";
import type { GitHubClient } from "../../../src/github/octokit.js";
import type { ProcessResult, RunJobData } from "../../../src/pipeline/job-data.js";
import { withFormat } from "../../../src/pipeline/job-format.js";
import type { ScriptTarget } from "../../../src/run-types.js";
import { indexChoresStep } from "../../../src/steps/index-chores-step.js";
import { processChoreStep } from "../../../src/steps/process-chore-step.js";
import { BundleStore } from "../../../src/stores/bundle-store.js";
import { ChoreCatalog } from "../../../src/stores/chore-catalog.js";
import { LIMITS, plainTarget, standInOctokit, startGitHubStandIn, startStepQueues, type GitHubStandIn, type StepQueues } from "./step-fixtures.js";

let gh: GitHubStandIn;
let q: StepQueues;
let octokit: GitHubClient;
let catalog: ChoreCatalog;
let bundles: BundleStore;
beforeAll(async () => {
  [gh, q] = await Promise.all([startGitHubStandIn({ owner: "acme", repo: "widgets" }), startStepQueues()]);
  octokit = await standInOctokit(gh);
});
afterAll(async () => {
  await q?.close();
  await gh?.close();
});
beforeEach(async () => {
  catalog = new ChoreCatalog(q.redis, q.prefix);
  bundles = new BundleStore(q.redis, q.prefix);
  await q.handle("process", processChoreStep({ catalog, bundles }));
});
afterEach(() => q.reset());

async function index(): Promise<void> {
  const push: MergedPush = {
    owner: gh.owner,
    repo: gh.repo,
    installationId: gh.installationId,
    defaultBranch: "main",
    before: "0".repeat(40),
    after: "0".repeat(40),
    forced: false,
  };
  const run = indexChoresStep({ octokitFor: async () => octokit, catalog, limits: LIMITS, valuesToRedact: [], associationWaitMs: 0 });
  await run({ data: withFormat(push), log: async () => 0 } as unknown as Job<MergedPush>);
}

async function runnable(name: string): Promise<IndexedChore> {
  return (await catalog.read(gh.owner, gh.repo))!.chores.find((entry) => entry.name === name)!.runnable!;
}

/** A chore run of `chore`'s indexed version, as the chores pages would queue it. */
function choreTarget(chore: Pick<IndexedChore, "name" | "path" | "commit" | "committedAt" | "blob">): ScriptTarget {
  return plainTarget(chore.path, {
    owner: gh.owner,
    repo: gh.repo,
    installationId: gh.installationId,
    commit: chore.commit,
    committedAt: chore.committedAt,
    blob: chore.blob,
    pullRequest: null,
    chore: { name: chore.name, request: { trigger: "ui", requestedBy: "carol", requestedAt: new Date().toISOString(), inputs: {} } },
  });
}

/** Runs the process job of a chore run on the step under test. */
async function processed(target: ScriptTarget): Promise<{ runId: string; result: ProcessResult }> {
  const data: RunJobData = withFormat({ runId: `run-${randomUUID().slice(0, 8)}`, target });
  const settled = q.settled("process", data.runId);
  await q.queue("process").add(target.path, data, { jobId: data.runId });
  const done = await settled;
  if (done.state !== "completed") throw done.error;
  return { runId: data.runId, result: done.value as ProcessResult };
}

describe("processChoreStep", () => {
  it("hands the run the indexed version's bundle, provenance and description", async () => {
    const name = `unlock-${randomUUID().slice(0, 6)}`;
    const source =
      'import { defineScript } from "chorebot";\nexport default defineScript({ description: "Unlock", run: async () => console.log("unlocked") });\n';
    const merged = await gh.mergePullRequest({ files: { [`chores/${name}.ts`]: source }, author: "alice", approvals: ["bob"] });
    await index();
    const chore = await runnable(name);
    const { runId, result } = await processed(choreTarget(chore));
    expect(result).toEqual({
      provenance: { pullRequest: expect.objectContaining({ number: merged.number, author: "alice" }), approvedBy: ["bob"], refusal: null },
      alreadyHandled: null,
      description: chore.description,
      problem: null,
    });
    expect(result.description).toMatchObject({ description: "Unlock" });
    const bundle = await bundles.load(runId);
    expect(bundle).toBe(await catalog.bundle(gh.owner, gh.repo, name, chore.commit));
    expect(bundle).toContain("unlocked");
  });

  it("refuses a version no longer indexed, and a chore no longer in the catalog: nothing is bundled for the run", async () => {
    const name = `stale-${randomUUID().slice(0, 6)}`;
    const path = `chores/${name}.ts`;
    await gh.mergePullRequest({ files: { [path]: 'console.log("v1");\n' }, approvals: ["bob"] });
    await index();
    const first = await runnable(name);
    const second = await gh.mergePullRequest({ files: { [path]: 'console.log("v2");\n' }, approvals: ["bob"] });
    await index();
    const { runId, result } = await processed(choreTarget(first));
    const reason = `${name} changed since this run was requested: version ${first.commit.slice(0, 7)} is no longer the indexed one (now ${second.after.slice(0, 7)}); nothing ran`;
    expect(result).toEqual({
      provenance: { pullRequest: expect.objectContaining({ number: second.number }), approvedBy: [], refusal: reason },
      alreadyHandled: null,
      description: null,
      problem: { status: "refused", message: reason, detail: null },
    });
    expect(await bundles.load(runId)).toBeNull();

    // A version claimed with another blob than the catalog's is not the indexed one either.
    const forged = await processed({ ...choreTarget(await runnable(name)), blob: "f".repeat(40) });
    expect(forged.result.problem).toMatchObject({ status: "refused", message: expect.stringContaining("is no longer the indexed one") });

    await gh.mergePullRequest({ files: { [path]: null }, approvals: ["bob"] });
    await index();
    const gone = await processed(choreTarget({ ...first, commit: second.after }));
    expect(gone.result.problem).toEqual({
      status: "refused",
      message: `${name} is no longer a chore that may run: version ${second.after.slice(0, 7)} is no longer the indexed one; nothing ran`,
      detail: null,
    });
    expect(await bundles.load(gone.runId)).toBeNull();
  });

  it("refuses a chore of a repository with no catalog", async () => {
    const { result } = await processed(
      choreTarget({ name: "nothing", path: "chores/nothing.ts", commit: "a".repeat(40), committedAt: "2026-12-01T00:00:00Z", blob: "b".repeat(40) }),
    );
    expect(result.problem).toMatchObject({ status: "refused", message: expect.stringMatching(/^nothing is no longer a chore that may run: .*; nothing ran$/) });
  });
});
