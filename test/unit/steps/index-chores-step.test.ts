import { randomUUID } from "node:crypto";
import type { Job } from "bullmq";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CatalogEntry, RepoCatalog } from "../../../src/catalog-types.js";
import type { MergedPush } from "../../../src/github/handle-push.js";
import type { GitHubClient } from "../../../src/github/octokit.js";
import { withFormat } from "../../../src/pipeline/job-format.js";
import { queuePush } from "../../../src/pipeline/queue-push.js";
import { discoverStep } from "../../../src/steps/discover-step.js";
import { indexChoresStep, type IndexSummary } from "../../../src/steps/index-chores-step.js";
import { ChoreCatalog } from "../../../src/stores/chore-catalog.js";
import { LIMITS, standInOctokit, startGitHubStandIn, startStepQueues, type GitHubStandIn, type StepQueues } from "./step-fixtures.js";

const SECRET = "chore-s3cret-Qv93kLm";

let gh: GitHubStandIn;
let q: StepQueues;
let octokit: GitHubClient;
let catalog: ChoreCatalog;
beforeAll(async () => {
  [gh, q] = await Promise.all([startGitHubStandIn({ owner: "acme", repo: "widgets" }), startStepQueues()]);
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

/** A chore name no other test uses. */
const fresh = (name: string) => `${name}-${randomUUID().slice(0, 6)}`;

const described = (description: string) =>
  [
    'import { defineScript, string } from "chorebot";',
    "export default defineScript({",
    `  description: ${JSON.stringify(description)},`,
    '  inputs: { email: string({ description: "whose account" }) },',
    "  run: async ({ email }) => console.log(`unlocking ${email}`),",
    "});",
    "",
  ].join("\n");

function push(): MergedPush {
  return {
    owner: gh.owner,
    repo: gh.repo,
    installationId: gh.installationId,
    defaultBranch: gh.defaultBranch,
    before: "0".repeat(40),
    after: "0".repeat(40),
    forced: false,
  };
}

const step = () => indexChoresStep({ octokitFor: async () => octokit, catalog, limits: LIMITS, valuesToRedact: [SECRET], associationWaitMs: 0 });

/** Runs one index job of the default branch as it is now. */
async function index(run = step()): Promise<IndexSummary> {
  const logs: string[] = [];
  const job = { data: withFormat(push()), log: async (line: string) => (logs.push(line), 0) } as unknown as Job<MergedPush>;
  return run(job);
}

async function entry(name: string): Promise<CatalogEntry | undefined> {
  return (await catalog.read(gh.owner, gh.repo))?.chores.find((chore) => chore.name === name);
}

describe("indexChoresStep", () => {
  it("indexes chores merged through approved pull requests, with their descriptions, bundles and provenance; helpers and scripts are no chores", async () => {
    const name = fresh("unlock");
    const plain = fresh("plain");
    const merged = await gh.mergePullRequest({
      files: {
        [`chores/billing/${name}.ts`]: described("Unlock a customer's account"),
        [`chores/${plain}.mjs`]: 'console.log("plain chore");\n',
        [`chores/_lib/${name}.ts`]: "export const helper = 1;\n",
        [`chores/${name}.test.ts`]: "export {};\n",
      },
      author: "alice",
      approvals: ["bob"],
    });
    const summary = await index();
    expect(summary).toMatchObject({ head: merged.after, stale: false });
    const stored = (await catalog.read(gh.owner, gh.repo)) as RepoCatalog;
    expect(stored).toMatchObject({ owner: "acme", repo: "widgets", head: merged.after, defaultBranch: "main", installationId: gh.installationId });
    expect(stored.config.choresDir).toBe("chores");
    const unlock = stored.chores.find((chore) => chore.name === `billing/${name}`)!;
    expect(unlock).toMatchObject({
      path: `chores/billing/${name}.ts`,
      problem: null,
      runnable: {
        name: `billing/${name}`,
        path: `chores/billing/${name}.ts`,
        commit: merged.after,
        description: { description: "Unlock a customer's account", inputs: { email: { type: "string", description: "whose account" } } },
        provenance: { pullRequest: { number: merged.number, author: "alice" }, approvedBy: ["bob"], refusal: null },
        files: [`chores/billing/${name}.ts`],
      },
    });
    expect(unlock.runnable!.committedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(stored.chores.find((chore) => chore.name === plain)).toMatchObject({ runnable: { description: null, path: `chores/${plain}.mjs` }, problem: null });
    expect(stored.chores.map((chore) => chore.name)).not.toContain(`_lib/${name}`);
    expect(stored.chores.map((chore) => chore.name)).not.toContain(`${name}.test`);
    expect(await catalog.bundle("ACME", "Widgets", `billing/${name}`, merged.after)).toContain("unlocking");
    expect(await catalog.bundle(gh.owner, gh.repo, plain, merged.after)).toContain("plain chore");
    expect(await catalog.repositories()).toEqual([{ owner: "acme", repo: "widgets" }]);
  });

  it("keeps the previous version of a chore a direct push edited, saying why with the commit; a later approved pull request makes the new version run", async () => {
    const name = fresh("direct");
    const path = `chores/${name}.ts`;
    const merged = await gh.mergePullRequest({ files: { [path]: 'console.log("reviewed");\n' }, approvals: ["bob"] });
    await index();
    const pushed = await gh.commitFiles({ files: { [path]: 'console.log("never reviewed");\n' }, author: "mallory" });
    await index();
    const after = (await entry(name))!;
    expect(after.runnable).toMatchObject({ commit: merged.after });
    expect(after.problem).toEqual({
      commit: pushed,
      message: `${path} last changed in ${pushed.slice(0, 7)}, which no pull request merged into main (a direct push)`,
    });
    expect(await catalog.bundle(gh.owner, gh.repo, name, merged.after)).toContain('"reviewed"');
    expect(await catalog.bundle(gh.owner, gh.repo, name, pushed)).toBeNull();

    const fixed = await gh.mergePullRequest({ files: { [path]: 'console.log("reviewed again");\n' }, approvals: ["bob"], merge: "squash" });
    await index();
    expect(await entry(name)).toMatchObject({ runnable: { commit: fixed.after }, problem: null });
    expect(await catalog.bundle(gh.owner, gh.repo, name, fixed.after)).toContain("reviewed again");
    // The replaced version's bundle is gone with it: one bundle per chore.
    expect(await catalog.bundle(gh.owner, gh.repo, name, merged.after)).toBeNull();
  });

  it("keeps the previous version when a direct push edits a helper the chore imports", async () => {
    const name = fresh("with-helper");
    const helper = `chores/_lib/${name}.ts`;
    const merged = await gh.mergePullRequest({
      files: { [`chores/${name}.ts`]: `import { greet } from "./_lib/${name}";\nconsole.log(greet());\n`, [helper]: 'export const greet = () => "hello";\n' },
      approvals: ["bob"],
    });
    await index();
    expect((await entry(name))!.runnable!.files).toEqual([helper, `chores/${name}.ts`]);
    const pushed = await gh.commitFiles({ files: { [helper]: 'export const greet = () => "pwned";\n' } });
    await index();
    const after = (await entry(name))!;
    expect(after.runnable!.commit).toBe(merged.after);
    expect(after.problem).toMatchObject({ commit: pushed, message: expect.stringContaining(`${helper} last changed in ${pushed.slice(0, 7)}`) });
    expect(await catalog.bundle(gh.owner, gh.repo, name, merged.after)).toContain('"hello"');
  });

  it("refuses an edit the merge commit itself made, and a pull request approved only by its author", async () => {
    const evil = fresh("evil-merge");
    const merged = await gh.mergePullRequest({
      files: { [`chores/${evil}.ts`]: 'console.log("reviewed");\n' },
      approvals: ["bob"],
      mergeCommitFiles: { [`chores/${evil}.ts`]: 'console.log("slipped into the merge");\n' },
    });
    const self = fresh("self-approved");
    await gh.mergePullRequest({ files: { [`chores/${self}.ts`]: 'console.log("mine");\n' }, author: "alice", approvals: ["alice"] });
    await index();
    expect(await entry(evil)).toMatchObject({
      runnable: null,
      problem: {
        message: `chores/${evil}.ts as changed in ${merged.after.slice(0, 7)} is not the version the head of pull request #${merged.number} had: it changed after the review`,
      },
    });
    expect((await entry(self))!.problem!.message).toMatch(/0 approving review\(s\).*author @alice; 1 required \(not counted: @alice: the author\)/);
    expect((await entry(self))!.runnable).toBeNull();
  });

  it("lists a chore that does not bundle, or whose definition cannot be read, with its error, and lets neither run", async () => {
    const broken = fresh("broken");
    const unreadable = fresh("unreadable");
    const merged = await gh.mergePullRequest({
      files: {
        [`chores/${broken}.ts`]: `import { missing } from "./_lib/nowhere";\nconsole.log(missing, "${SECRET}");\n`,
        [`chores/${unreadable}.ts`]: `import { defineScript } from "chorebot";\nconst about = "${SECRET}";\nexport default defineScript({ description: about, run: async () => {} });\n`,
      },
      approvals: ["bob"],
    });
    await index();
    const notBundled = (await entry(broken))!;
    expect(notBundled).toMatchObject({
      runnable: null,
      problem: { commit: merged.after, message: expect.stringMatching(/^does not bundle: .*Could not resolve "\.\/_lib\/nowhere"/) },
    });
    const notRead = (await entry(unreadable))!;
    expect(notRead).toMatchObject({
      runnable: null,
      problem: { commit: merged.after, message: expect.stringMatching(/^its definition cannot be read: chores\/.*:3:\d+: /) },
    });
    expect(JSON.stringify(await catalog.read(gh.owner, gh.repo))).not.toContain(SECRET);
  });

  it("runs nothing that is not a regular file of the repository: a symbolic link, an import from outside it", async () => {
    const link = fresh("link");
    const outside = fresh("outside");
    await gh.mergePullRequest({
      files: { [`chores/${link}.ts`]: { symlink: "../README.md" }, [`chores/${outside}.ts`]: 'import "../../../etc/passwd";\n' },
      approvals: ["bob"],
    });
    await index();
    expect(await entry(link)).toMatchObject({ runnable: null, problem: { message: `chores/${link}.ts is a symbolic link; chorebot only runs regular files` } });
    expect(await entry(outside)).toMatchObject({ runnable: null, problem: { message: expect.stringContaining("points outside the repository") } });
  });

  it("follows a rebase merge's commits back to their pull request", async () => {
    const name = fresh("rebased");
    const merged = await gh.mergePullRequest({
      files: { [`chores/${name}.ts`]: "console.log(1);\n" },
      commits: [{ [`chores/${name}.ts`]: "console.log(2);\n" }, { [`chores/_lib/${name}.ts`]: "export {};\n" }],
      approvals: ["bob"],
      merge: "rebase",
    });
    await index();
    expect(await entry(name)).toMatchObject({ runnable: { commit: merged.after, provenance: { pullRequest: { number: merged.number } } }, problem: null });
  });

  it("asks again at the next index when GitHub did not name the pull request of a commit it made yet, instead of remembering a refusal", async () => {
    const name = fresh("lagging");
    const merged = await gh.mergePullRequest({ files: { [`chores/${name}.ts`]: "console.log(1);\n" }, approvals: ["bob"], merge: "squash" });
    gh.lagPullAssociations(1_000);
    try {
      await index();
    } finally {
      gh.lagPullAssociations(0);
    }
    expect(await entry(name)).toMatchObject({ runnable: null, problem: { message: expect.stringContaining("which no pull request merged") }, seen: null });
    await index();
    expect(await entry(name)).toMatchObject({ runnable: { commit: merged.after }, problem: null });
  });

  it("waits a while for GitHub to name the pull request of a commit it just made", async () => {
    const name = fresh("late");
    const merged = await gh.mergePullRequest({ files: { [`chores/${name}.ts`]: "console.log(1);\n" }, approvals: ["bob"], merge: "squash" });
    gh.lagPullAssociations(2);
    const waiting = indexChoresStep({ octokitFor: async () => octokit, catalog, limits: LIMITS, valuesToRedact: [], associationWaitMs: 5_000 });
    await index(waiting);
    expect(await entry(name)).toMatchObject({ runnable: { commit: merged.after }, problem: null });
  });

  it("lets neither of two chores with one name run, and keeps the version that ran before", async () => {
    // The one indexed first sorts first, then second: neither may hide its twin.
    for (const [first, second] of [
      ["mjs", "ts"],
      ["ts", "mjs"],
    ]) {
      const name = fresh("twin");
      const merged = await gh.mergePullRequest({ files: { [`chores/${name}.${first}`]: "console.log(1);\n" }, approvals: ["bob"] });
      await index();
      const twin = await gh.mergePullRequest({ files: { [`chores/${name}.${second}`]: "console.log(2);\n" }, approvals: ["bob"] });
      await index();
      expect(await entry(name)).toMatchObject({
        runnable: { commit: merged.after, path: `chores/${name}.${first}` },
        problem: { commit: twin.after, message: `2 chores are named ${name}: chores/${name}.mjs, chores/${name}.ts; rename all but one` },
      });
    }
  });

  it("reads choresDir from the settings before the head: a pull request that moves the folder is judged by the folder it found", async () => {
    const name = fresh("elsewhere");
    await gh.mergePullRequest({
      files: { ".github/chorebot.yml": "choresDir: ops/chores\n", [`ops/chores/${name}.ts`]: "console.log(1);\n" },
      approvals: ["bob"],
    });
    await index();
    expect((await catalog.read(gh.owner, gh.repo))!.config.choresDir).toBe("chores");
    expect(await entry(name)).toBeUndefined();
    const next = await gh.commitFiles({ files: { "logs/next.md": "the next push\n" } });
    await index();
    expect((await catalog.read(gh.owner, gh.repo))!.config.choresDir).toBe("ops/chores");
    expect(await entry(name)).toMatchObject({ path: `ops/chores/${name}.ts`, runnable: { commit: next }, problem: null });
    await gh.mergePullRequest({ files: { ".github/chorebot.yml": null }, approvals: ["bob"] });
  });

  it("withdraws a runnable version approved by fewer people than the repository now requires", async () => {
    const name = fresh("strict");
    const path = `chores/${name}.ts`;
    await gh.mergePullRequest({ files: { [path]: "console.log(1);\n" }, approvals: ["bob"] });
    await gh.mergePullRequest({ files: { ".github/chorebot.yml": "requiredApprovals: 2\n" }, approvals: ["bob", "carol"] });
    await index();
    expect((await entry(name))!.runnable).toMatchObject({ minApprovals: 1 });
    const next = await gh.commitFiles({ files: { "logs/strict.md": "the next push\n" } });
    await index();
    expect(await entry(name)).toMatchObject({
      runnable: null,
      problem: {
        commit: next,
        message: expect.stringMatching(/^chores\/strict-\w+\.ts last changed through pull request #\d+, which has 1 approving review\(s\).*; 2 required$/),
      },
    });
    await gh.mergePullRequest({ files: { ".github/chorebot.yml": null }, approvals: ["bob", "carol"] });
  });

  it("drops a chore removed from the branch, with its bundle", async () => {
    const name = fresh("gone");
    const merged = await gh.mergePullRequest({ files: { [`chores/${name}.ts`]: "console.log(1);\n" }, approvals: ["bob"] });
    await index();
    expect(await catalog.bundle(gh.owner, gh.repo, name, merged.after)).not.toBeNull();
    await gh.mergePullRequest({ files: { [`chores/${name}.ts`]: null }, approvals: ["bob"] });
    await index();
    expect(await entry(name)).toBeUndefined();
    expect(await catalog.bundle(gh.owner, gh.repo, name, merged.after)).toBeNull();
  });

  it("asks GitHub nothing per file when indexing an unchanged head, or a head whose change touches no chore; the version stays the same", async () => {
    const name = fresh("steady");
    const merged = await gh.mergePullRequest({
      files: { [`chores/${name}.ts`]: `import { x } from "./_lib/${name}.js";\nconsole.log(x);\n`, [`chores/_lib/${name}.ts`]: "export const x = 1;\n" },
      approvals: ["bob"],
    });
    await index();
    const perFile = (from: number) =>
      gh.requests.slice(from).filter((request) => /\/commits$|\/commits\/[0-9a-f]{40}\/pulls|\/pulls\/|\/contents\/chores/.test(request.path));
    const before = gh.requests.length;
    await index();
    expect(perFile(before)).toEqual([]);
    await gh.commitFiles({ files: { "logs/unrelated.md": "a run log\n" } });
    const later = gh.requests.length;
    await index();
    expect(perFile(later)).toEqual([]);
    expect((await entry(name))!.runnable!.commit).toBe(merged.after);
    // A file the bundler looked for and did not find appears: the chore is read again.
    await gh.mergePullRequest({ files: { [`chores/_lib/${name}.js`]: "export const x = 2;\n" }, approvals: ["bob"] });
    const appeared = gh.requests.length;
    await index();
    expect(perFile(appeared).length).toBeGreaterThan(0);
  });

  it("does not let a pass that read an older head overwrite the catalog a later pass stored", async () => {
    const name = fresh("race");
    const first = await gh.mergePullRequest({ files: { [`chores/${name}.ts`]: "console.log(1);\n" }, approvals: ["bob"] });
    let second = "";
    // The older pass has read the branch; before it lists the commit, the branch moves and a later pass indexes it.
    gh.beforeNext({ method: "GET", path: new RegExp(`/git/trees/${first.after}$`) }, async () => {
      second = (await gh.mergePullRequest({ files: { [`chores/${name}.ts`]: "console.log(2);\n" }, approvals: ["bob"] })).after;
      expect(await index()).toMatchObject({ head: second, stale: false });
    });
    expect(await index()).toMatchObject({ head: first.after, stale: true });
    expect(await catalog.read(gh.owner, gh.repo)).toMatchObject({ head: second });
    expect((await entry(name))!.runnable!.commit).toBe(second);
  });

  it("is queued with every push to the default branch, once per pushed commit, and indexes in its worker", async () => {
    const name = fresh("queued");
    const merged = await gh.mergePullRequest({ files: { [`chores/${name}.ts`]: "console.log(1);\n" }, approvals: ["bob"] });
    const pushed = { ...push(), before: merged.before, after: merged.after };
    await q.handle("index", step());
    const queues = { discover: q.queue("discover"), index: q.queue("index") };
    const settings = { githubStepAttempts: 2, retention: { completedMs: 3_600_000, failedMs: 3_600_000, scheduledMs: 3_600_000 } };
    const jobId = await queuePush(queues, pushed, settings);
    expect(jobId).not.toContain(":");
    const settled = q.settled("index", jobId);
    expect(await queuePush(queues, pushed, settings)).toBe(jobId);
    const done = await settled;
    expect(done).toMatchObject({ state: "completed", value: { head: merged.after } });
    expect(done.job.opts).toMatchObject({ attempts: 2, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } });
    expect(await q.queue("index").getJobCounts("completed", "waiting")).toEqual({ completed: 1, waiting: 0 });
    expect(await q.queue("discover").getJob(jobId)).toBeDefined();
    expect((await entry(name))!.runnable!.commit).toBe(merged.after);
  });

  it("leaves chores to the index: merging one queues no run (discover looks in the scripts folder only)", async () => {
    const merged = await gh.mergePullRequest({ files: { [`chores/${fresh("not-run")}.ts`]: "console.log(1);\n" }, approvals: ["bob"] });
    const discover = discoverStep({ octokitFor: async () => octokit, flows: q.flows, limits: LIMITS, githubStepAttempts: 1, associationWaitMs: 0 });
    const job = { data: { ...push(), before: merged.before, after: merged.after }, log: async () => 0 } as unknown as Job<MergedPush>;
    expect(await discover(job)).toEqual({ runIds: [] });
  });
});
