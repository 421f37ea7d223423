import { randomUUID } from "node:crypto";
import type { Job } from "bullmq";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CatalogEntry } from "../../../src/catalog-types.js";
import type { MergedPush } from "../../../src/github/handle-push.js";
import type { GitHubClient } from "../../../src/github/octokit.js";
import { withFormat } from "../../../src/pipeline/job-format.js";
import { indexChoresStep, type IndexSummary } from "../../../src/steps/index-chores-step.js";
import { ChoreCatalog } from "../../../src/stores/chore-catalog.js";
import { LIMITS, standInOctokit, startGitHubStandIn, startStepQueues, type GitHubStandIn, type StepQueues } from "./step-fixtures.js";

let gh: GitHubStandIn;
let q: StepQueues;
let octokit: GitHubClient;
let catalog: ChoreCatalog;
beforeAll(async () => {
  [gh, q] = await Promise.all([startGitHubStandIn({ owner: "acme", repo: "attacked" }), startStepQueues()]);
  octokit = await standInOctokit(gh);
});
afterAll(async () => {
  await q?.close();
  await gh?.close();
});
beforeEach(() => {
  catalog = new ChoreCatalog(q.redis, q.prefix);
});
afterEach(() => q.reset());

const fresh = (name: string) => `${name}-${randomUUID().slice(0, 6)}`;

async function index(): Promise<IndexSummary> {
  const push: MergedPush = {
    owner: gh.owner,
    repo: gh.repo,
    installationId: gh.installationId,
    defaultBranch: gh.defaultBranch,
    before: "0".repeat(40),
    after: "0".repeat(40),
    forced: false,
  };
  const job = { data: withFormat(push), log: async () => 0 } as unknown as Job<MergedPush>;
  return indexChoresStep({ octokitFor: async () => octokit, catalog, limits: LIMITS, valuesToRedact: [], associationWaitMs: 0 })(job);
}

async function entry(name: string): Promise<CatalogEntry | undefined> {
  return (await catalog.read(gh.owner, gh.repo))?.chores.find((chore) => chore.name === name);
}

describe("the chore index against a hostile pusher", () => {
  it("keeps the reviewed version when a direct push edits a helper outside the chores folder", async () => {
    const name = fresh("outside-helper");
    const helper = `lib/${name}.ts`;
    const merged = await gh.mergePullRequest({
      files: { [`chores/${name}.ts`]: `import { greet } from "../lib/${name}";\nconsole.log(greet());\n`, [helper]: 'export const greet = () => "hello";\n' },
      approvals: ["bob"],
    });
    await index();
    expect([...(await entry(name))!.runnable!.files].sort()).toEqual([`chores/${name}.ts`, helper].sort());
    const pushed = await gh.commitFiles({ files: { [helper]: 'export const greet = () => "pwned";\n' } });
    await index();
    const after = (await entry(name))!;
    expect(after.runnable!.commit).toBe(merged.after);
    expect(after.problem).toMatchObject({ commit: pushed, message: expect.stringContaining(`${helper} last changed in ${pushed.slice(0, 7)}`) });
    expect(await catalog.bundle(gh.owner, gh.repo, name, merged.after)).toContain('"hello"');
  });

  it("keeps the reviewed version when an admin merges an unapproved pull request that edits it", async () => {
    const name = fresh("admin-merge");
    const path = `chores/${name}.ts`;
    const reviewed = await gh.mergePullRequest({ files: { [path]: 'console.log("reviewed");\n' }, approvals: ["bob"] });
    await index();
    await gh.mergePullRequest({ files: { [path]: 'console.log("unreviewed");\n' }, author: "admin-carol", approvals: [] });
    await index();
    const after = (await entry(name))!;
    expect(after.runnable!.commit).toBe(reviewed.after);
    expect(after.problem!.message).toMatch(/0 approving review\(s\)/);
  });

  it("keeps the reviewed version when a pull request adds a file that an import now resolves to instead", async () => {
    const name = fresh("shadowed");
    const reviewed = await gh.mergePullRequest({
      files: {
        [`chores/${name}.ts`]: `import { greet } from "./_lib/${name}";\nconsole.log(greet());\n`,
        [`chores/_lib/${name}/index.ts`]: 'export const greet = () => "hello";\n',
      },
      approvals: ["bob"],
    });
    await index();
    // `./_lib/<name>` now resolves to the file, no longer to the folder's index.
    await gh.commitFiles({ files: { [`chores/_lib/${name}.ts`]: 'export const greet = () => "shadowed";\n' } });
    await index();
    const after = (await entry(name))!;
    expect(after.runnable!.commit).toBe(reviewed.after);
    expect(after.problem).not.toBeNull();
  });

  it("does not let a direct push bring back an older reviewed version (a roll back to a fixed bug is an edit too)", async () => {
    const name = fresh("rollback");
    const path = `chores/${name}.ts`;
    await gh.mergePullRequest({ files: { [path]: 'console.log("v1, with the bug");\n' }, approvals: ["bob"] });
    await index();
    const fixed = await gh.mergePullRequest({ files: { [path]: 'console.log("v2, fixed");\n' }, approvals: ["bob"] });
    await index();
    expect((await entry(name))!.runnable!.commit).toBe(fixed.after);
    // Nobody reviewed putting v1 back: the file last changed in a direct push.
    const pushed = await gh.commitFiles({ files: { [path]: 'console.log("v1, with the bug");\n' } });
    await index();
    const after = (await entry(name))!;
    expect(after.runnable!.commit).toBe(fixed.after);
    expect(after.problem).toMatchObject({ commit: pushed, message: expect.stringContaining(`${path} last changed in ${pushed.slice(0, 7)}`) });
  });
});
