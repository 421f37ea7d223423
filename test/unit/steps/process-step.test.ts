import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CleanupResult, ProcessResult } from "../../../src/pipeline/job-data.js";
import { targetLogPath } from "../../../src/runlog/target-log-path.js";
import type { ScriptTarget } from "../../../src/run-types.js";
import { processStep } from "../../../src/steps/process-step.js";
import { BundleStore } from "../../../src/stores/bundle-store.js";
import { flowNode, mergedTarget, runData, standInOctokit, startGitHubStandIn, startStepQueues, type GitHubStandIn, type StepQueues } from "./step-fixtures.js";

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

/** A script path no other test uses. */
const fresh = (name: string) => `scripts/${name}-${randomUUID().slice(0, 6)}.ts`;

/** Runs the process job of `target` on the step under test; resolves with how it ended. */
async function processRun(target: ScriptTarget, opts: { attempts?: number } = {}) {
  const data = runData(target);
  const settled = q.settled("process", data.runId);
  await q.queue("process").add(target.path, data, { jobId: data.runId, attempts: opts.attempts ?? 1 });
  return { runId: data.runId, ...(await settled) };
}

async function processed(target: ScriptTarget): Promise<{ runId: string; result: ProcessResult }> {
  const run = await processRun(target);
  if (run.state !== "completed") throw run.error;
  return { runId: run.runId, result: run.value as ProcessResult };
}

describe("processStep", () => {
  it("bundles an approved script with the repository module it imports, as at the merge commit, and keeps the bundle for execute", async () => {
    const path = fresh("greet");
    const lib = path.replace("scripts/", "scripts/_lib/");
    const source = `import { greet } from "./_lib/${lib.slice("scripts/_lib/".length, -3)}";\nconsole.log(greet("widgets"));\n`;
    const merged = await gh.mergePullRequest({
      files: { [path]: source, [lib]: "export const greet = (who: string) => `hello from the library, ${who}`;\n" },
      author: "alice",
      approvals: ["bob"],
    });
    const { runId, result } = await processed(mergedTarget(gh, merged, path, source));
    expect(result).toEqual({
      provenance: { pullRequest: expect.objectContaining({ number: merged.number, author: "alice" }), approvedBy: ["bob"], refusal: null },
      alreadyHandled: null,
      description: null,
      problem: null,
    });
    const bundle = await bundles.load(runId);
    expect(bundle).toContain("hello from the library");
    expect(bundle).toContain('greet("widgets")');
  });

  it("refuses a pull request approved only by its author, keeps no bundle, and completes (a refusal is a result)", async () => {
    const path = fresh("self-approved");
    const source = 'console.log("should never be bundled for a run");\n';
    const merged = await gh.mergePullRequest({ files: { [path]: source }, author: "alice", approvals: ["alice"] });
    const { runId, result } = await processed(mergedTarget(gh, merged, path, source));
    expect(result.problem).toMatchObject({ status: "refused" });
    expect(result.problem!.message).toMatch(/0 approving review\(s\).*1 required.*not counted: @alice: the author/);
    expect(result.provenance.refusal).toBe(result.problem!.message);
    expect(await bundles.load(runId)).toBeNull();
  });

  it("refuses a script changed after its approval: the approval was of an earlier head", async () => {
    const path = fresh("changed");
    const opened = await gh.openPullRequest({ files: { [path]: 'console.log("approved");\n' }, author: "alice", approvals: ["bob"] });
    const changed = 'console.log("changed after the approval");\n';
    const headSha = await gh.pushToPullRequest(opened.number, { [path]: changed });
    const { before, after } = await gh.mergeOpenPullRequest(opened.number);
    const { runId, result } = await processed(mergedTarget(gh, { number: opened.number, before, after, headSha }, path, changed));
    expect(result.problem).toMatchObject({ status: "refused", message: expect.stringMatching(/has 0 approving review\(s\) on its final commit/) });
    expect(await bundles.load(runId)).toBeNull();
  });

  it("refuses what the merge commit itself changed (an imported module, or the script), naming the file", async () => {
    const path = fresh("evil");
    const lib = path.replace("scripts/", "scripts/_lib/");
    const source = `import { target } from "./_lib/${lib.slice("scripts/_lib/".length, -3)}";\nconsole.log(target);\n`;
    const merged = await gh.mergePullRequest({
      files: { [path]: source, [lib]: 'export const target = "staging";\n' },
      author: "alice",
      approvals: ["bob"],
      mergeCommitFiles: { [lib]: 'export const target = "production";\n' },
    });
    const { runId, result } = await processed(mergedTarget(gh, merged, path, source));
    expect(result.problem).toMatchObject({ status: "refused" });
    expect(result.problem!.message).toContain(`${lib} at ${merged.after.slice(0, 7)} is neither the version at the head of pull request #${merged.number}`);
    expect(await bundles.load(runId)).toBeNull();

    // The entry script itself, edited by the merge commit: its blob is not the approved one.
    const entry = fresh("evil-entry");
    const approved = 'console.log("approved");\n';
    const evil = await gh.mergePullRequest({
      files: { [entry]: approved },
      author: "alice",
      approvals: ["bob"],
      mergeCommitFiles: { [entry]: 'console.log("not reviewed");\n' },
    });
    const second = await processed(mergedTarget(gh, evil, entry, approved));
    expect(second.result.problem).toMatchObject({ status: "refused", message: expect.stringContaining(`${entry} at ${evil.after.slice(0, 7)} is neither`) });
    expect(await bundles.load(second.runId)).toBeNull();
  });

  it("refuses what discover refused, a force-push and an invalid repository config, without bundling", async () => {
    const path = fresh("refused");
    const source = 'console.log("x");\n';
    const merged = await gh.mergePullRequest({ files: { [path]: source }, author: "alice", approvals: ["bob"] });
    const cases: [Partial<ScriptTarget>, RegExp][] = [
      [{ forced: true }, /was a force-push/],
      [{ configError: ".github/chorebot.yml: requiredApprovals: too low" }, /^\.github\/chorebot\.yml: requiredApprovals: too low$/],
      [{ refusal: "it was not added by a pull request" }, /^it was not added by a pull request$/],
    ];
    for (const [over, message] of cases) {
      // The same run each time: its job is removed before the next case.
      const target = mergedTarget(gh, merged, path, source, over);
      const data = runData(target);
      const settled = q.settled("process", data.runId);
      await q.queue("process").add(path, data, { jobId: data.runId });
      const run = await settled;
      expect(run.state).toBe("completed");
      expect((run as { value: ProcessResult }).value.problem).toMatchObject({ status: "refused", message: expect.stringMatching(message) });
      expect(await bundles.load(data.runId)).toBeNull();
      await run.job.remove();
    }
  });

  it("reports a script that does not compile as a failed result, the compiler's message redacted, and keeps no bundle", async () => {
    const path = fresh("broken");
    const source = `const token = "${SECRET}"; const x = ;\nconsole.log(token, x);\n`;
    const merged = await gh.mergePullRequest({ files: { [path]: source }, author: "alice", approvals: ["bob"] });
    const run = await processRun(mergedTarget(gh, merged, path, source));
    expect(run.state).toBe("completed");
    const result = (run as { value: ProcessResult }).value;
    expect(result.problem).toMatchObject({ status: "failed", message: "the script did not bundle" });
    expect(result.problem!.detail).toContain(path);
    expect(result.problem!.detail).toContain("[REDACTED]");
    expect(JSON.stringify(result)).not.toContain(SECRET);
    expect((await q.queue("process").getJobLogs(run.runId)).logs.join("\n")).not.toContain(SECRET);
    expect(await bundles.load(run.runId)).toBeNull();
  });

  it("refuses a merged SDK script with an input it requires and gives no default: nobody can give it one", async () => {
    const path = fresh("needs-input");
    const source =
      'import { defineScript, string } from "chorebot";\nexport default defineScript({ inputs: { env: string({ required: true }) }, run() {} });\n';
    const merged = await gh.mergePullRequest({ files: { [path]: source }, author: "alice", approvals: ["bob"] });
    const { runId, result } = await processed(mergedTarget(gh, merged, path, source));
    expect(result.problem).toMatchObject({ status: "refused", message: "input `env` is required and has no default; a merged script runs with its defaults" });
    expect(await bundles.load(runId)).toBeNull();
  });

  it("hands an SDK script's declared concurrency and timeout to execute", async () => {
    const path = fresh("sdk");
    const source = 'import { defineScript } from "chorebot";\nexport default defineScript({ concurrency: "global", timeout: 30, run() {} });\n';
    const merged = await gh.mergePullRequest({ files: { [path]: source }, author: "alice", approvals: ["bob"] });
    const { runId, result } = await processed(mergedTarget(gh, merged, path, source));
    expect(result.problem).toBeNull();
    expect(result.description).toMatchObject({ concurrency: "global", timeoutMs: 30_000 });
    expect(await bundles.load(runId)).not.toBeNull();
  });

  it("fails the job on a GitHub error while reading (it is retried, the script is not blamed), and a retry gives the same result and bundle", async () => {
    const path = fresh("flaky");
    const lib = path.replace("scripts/", "scripts/_lib/");
    const source = `import { n } from "./_lib/${lib.slice("scripts/_lib/".length, -3)}";\nconsole.log(n);\n`;
    const merged = await gh.mergePullRequest({ files: { [path]: source, [lib]: "export const n = 42;\n" }, author: "alice", approvals: ["bob"] });
    gh.failNext({ method: "GET", path: new RegExp(`/contents/${encodeURIComponent(lib).replace(/\./g, "\\.")}$`), status: 502, times: 2 });
    const target = mergedTarget(gh, merged, path, source);

    // Two reads of the module fail (at the merge and at the head): the first attempt fails, the second bundles.
    const first = await processRun(target, { attempts: 2 });
    expect(first.state).toBe("completed");
    expect(first.job.attemptsMade).toBe(2);
    expect((first.job.stacktrace ?? []).join("\n")).toMatch(/502|Bad Gateway/i);
    const result = (first as { value: ProcessResult }).value;
    expect(result.problem).toBeNull();
    const bundle = await bundles.load(first.runId);
    expect(bundle).toContain("42");

    // A person retrying the finished job in the dashboard: the same decision, the same bytes.
    const again = q.settled("process", first.runId);
    await first.job.retry("completed");
    const second = await again;
    expect(second.state).toBe("completed");
    expect((second as { value: ProcessResult }).value).toEqual(result);
    expect(await bundles.load(first.runId)).toBe(bundle);
  });

  it("does not run again what the repository already records: the script is gone from the default branch, or its log is there", async () => {
    const path = fresh("handled");
    const source = 'console.log("once");\n';
    const merged = await gh.mergePullRequest({ files: { [path]: source }, author: "alice", approvals: ["bob"] });
    const target = mergedTarget(gh, merged, path, source);
    await gh.commitFiles({ files: { [targetLogPath(target, 1)]: "a run log chorebot committed earlier\n" } });
    const logged = await processed(target);
    expect(logged.result.alreadyHandled).toBe(`its run log ${targetLogPath(target, 1)} is already on main`);
    expect(logged.result.problem).toBeNull();
    expect(await bundles.load(logged.runId)).toBeNull();

    const gonePath = fresh("gone");
    const goneMerge = await gh.mergePullRequest({ files: { [gonePath]: source }, author: "alice", approvals: ["bob"] });
    await gh.commitFiles({ files: { [gonePath]: null } });
    const gone = await processed(mergedTarget(gh, goneMerge, gonePath, source));
    expect(gone.result.alreadyHandled).toBe(`${gonePath} is no longer on main`);
    expect(await bundles.load(gone.runId)).toBeNull();
  });

  it("with stopOnFailure, refuses a script when the one before it in the merge did not succeed; runs it when that one did", async () => {
    const path = fresh("second");
    const source = 'console.log("second");\n';
    const merged = await gh.mergePullRequest({ files: { [path]: source }, author: "alice", approvals: ["bob"] });
    const earlier = (status: CleanupResult["status"]): CleanupResult => ({
      script: "scripts/first.ts",
      logPath: "logs/first.md",
      commit: "c".repeat(40),
      status,
      cleanupPullRequest: null,
    });
    await q.handle("cleanup", async (job) => earlier((job.data as { status: CleanupResult["status"] }).status));
    for (const [status, refused] of [
      ["failed", true],
      ["succeeded", false],
    ] as const) {
      const target = mergedTarget(gh, merged, path, source, { config: { stopOnFailure: true } });
      const data = runData(target);
      // The previous script's cleanup is the process job's child, as enqueueRuns chains a merge's scripts.
      const previous = { name: "scripts/first.ts", queueName: "cleanup", data: { status }, opts: { jobId: `previous-${status}` } };
      const settled = q.settled("process", data.runId);
      await q.flows.add(flowNode("process", data, [previous]));
      const run = await settled;
      expect(run.state).toBe("completed");
      const result = (run as { value: ProcessResult }).value;
      if (refused) {
        expect(result.problem).toMatchObject({
          status: "refused",
          message: "scripts/first.ts ran before it in this merge and ended failed; the repository sets stopOnFailure",
        });
        expect(await bundles.load(data.runId)).toBeNull();
      } else {
        expect(result.problem).toBeNull();
        expect(await bundles.load(data.runId)).not.toBeNull();
      }
      await run.job.remove();
    }
  });
});
