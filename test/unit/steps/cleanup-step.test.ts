import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Job } from "bullmq";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { GitHubClient } from "../../../src/github/octokit.js";
import { PullRequestComments } from "../../../src/notify/pull-request-comments.js";
import type { CleanupJobData, CleanupResult, ExecuteResult, ProcessResult } from "../../../src/pipeline/job-data.js";
import { parseRunLog } from "../../../src/runlog/parse-run-log.js";
import { targetLogPath } from "../../../src/runlog/target-log-path.js";
import type { ScriptTarget } from "../../../src/run-types.js";
import { cleanupStep, type CleanupDeps } from "../../../src/steps/cleanup-step.js";
import { outcomeReader } from "../../../src/steps/flow-outcome.js";
import { BundleStore } from "../../../src/stores/bundle-store.js";
import { ExecutionLedger } from "../../../src/stores/execution-ledger.js";
import { RunOutcomes } from "../../../src/stores/run-outcomes.js";
import {
  approvedByBob,
  flowNode,
  mergedTarget,
  runData,
  standInOctokit,
  startGitHubStandIn,
  startStepQueues,
  type GitHubStandIn,
  type StepQueues,
} from "./step-fixtures.js";

const SECRET = "pr0d-t0ken-Zq81xWv";

let gh: GitHubStandIn;
let q: StepQueues;
let octokit: GitHubClient;
beforeAll(async () => {
  [gh, q] = await Promise.all([startGitHubStandIn({ owner: "acme", repo: "widgets" }), startStepQueues()]);
  octokit = await standInOctokit(gh);
});
afterAll(async () => {
  await q?.close();
  await gh?.close();
});
afterEach(() => q.reset());

/** What the step told its callers. */
interface Told {
  recorded: string[];
  alreadyHandled: [string, string][];
  finished: CleanupResult[];
}
let told: Told;
let bundles: BundleStore;
let outcomes: RunOutcomes;
let ledger: ExecutionLedger;
beforeEach(() => {
  told = { recorded: [], alreadyHandled: [], finished: [] };
  bundles = new BundleStore(q.redis, q.prefix);
  outcomes = new RunOutcomes(q.redis, q.prefix);
  ledger = new ExecutionLedger(q.redis, q.prefix);
});

/** The cleanup step as the workers wire it, with real stores; `over` replaces a dependency. */
function cleanup(over: Partial<CleanupDeps> = {}) {
  return cleanupStep({
    octokitFor: async () => octokit,
    valuesToRedact: [SECRET],
    resultWebhook: null,
    recordFinished: async (result) => void told.finished.push(result),
    outcome: async (job: Job<CleanupJobData>) => {
      const found = await outcomes.load(job.data.runId, job.data.attempt ?? 1);
      if (!found) throw new Error("no outcome");
      return found;
    },
    bundle: (runId) => bundles.load(runId),
    recorded: async (runId) => void told.recorded.push(runId),
    alreadyHandled: (runId, reason) => void told.alreadyHandled.push([runId, reason]),
    comments: new PullRequestComments(q.redis, q.prefix, 60_000),
    ...over,
  });
}

const fresh = (name: string) => `scripts/${name}-${randomUUID().slice(0, 6)}.ts`;

/** A merged, approved script on the stand-in, and its target. */
async function merged(name: string): Promise<{ target: ScriptTarget; number: number; source: string }> {
  const path = fresh(name);
  const source = `console.log(process.env.TOKEN ?? "${SECRET}");\n`;
  const pull = await gh.mergePullRequest({ files: { [path]: source }, author: "alice", approvals: ["bob"], title: `Add ${path}` });
  return { target: mergedTarget(gh, pull, path, source), number: pull.number, source };
}

function processResult(target: ScriptTarget, over: Partial<ProcessResult> = {}): ProcessResult {
  return approvedByBob({ number: target.pullRequest!.number, url: target.pullRequest!.url, author: "alice", title: "Add it" }, over);
}

function outcome(target: ScriptTarget, over: Partial<ExecuteResult["execution"]> = {}, processed = processResult(target)): ExecuteResult {
  return {
    process: processed,
    execution: {
      status: "succeeded",
      exitCode: 0,
      signal: null,
      startedAt: "2026-12-01T10:00:00.000Z",
      finishedAt: "2026-12-01T10:00:01.500Z",
      durationMs: 1500,
      output: { lines: [{ t: 12, stream: "stdout", text: `connected with ${SECRET}` }], omittedBytes: 0, omittedAt: null },
      message: null,
      ...over,
    },
    runner: "worker-1",
    attempt: 1,
  };
}

/** Runs the cleanup job of `target` (its outcome already stored) and resolves with how it ended. */
async function cleanupRun(target: ScriptTarget, opts: { attempts?: number } = {}) {
  const data: CleanupJobData = runData(target);
  const settled = q.settled("cleanup", data.runId);
  await q.queue("cleanup").add(target.path, data, { jobId: data.runId, attempts: opts.attempts ?? 1 });
  return { runId: data.runId, ...(await settled) };
}

const logAt = async (target: ScriptTarget, ref = "main") => {
  const text = await gh.readFile(ref, targetLogPath(target, 1));
  if (text === undefined) throw new Error(`no log at ${targetLogPath(target, 1)}`);
  return { text, frontMatter: parseRunLog(text).frontMatter };
};

describe("cleanupStep", () => {
  it("commits the run log and deletes the script in one commit, the output and the code redacted, and reports the run on GitHub", async () => {
    const { target, number } = await merged("once");
    const data = runData(target);
    await outcomes.save(data.runId, outcome(target));
    await bundles.save(data.runId, `console.log("${SECRET}");`);
    await q.handle("cleanup", cleanup());
    const before = await gh.head();

    const run = await cleanupRun(target);
    expect(run.state).toBe("completed");
    const head = await gh.head();
    const [landed] = await gh.commits();
    expect(landed!.sha).toBe(head);
    expect(landed!.parents[0]).toBe(before);
    expect(run.state === "completed" && run.value).toEqual({
      script: target.path,
      logPath: targetLogPath(target, 1),
      commit: head,
      status: "succeeded",
      cleanupPullRequest: null,
    });
    expect(await gh.readFile(head, target.path)).toBeUndefined();
    const log = await logAt(target, head);
    expect(log.frontMatter).toMatchObject({ script: target.path, trigger: "merge", status: "succeeded", commit: target.commit, approved_by: ["bob"] });
    expect(log.frontMatter).not.toHaveProperty("requested_by");
    expect(log.text).toContain("connected with [REDACTED]");
    expect(log.text).toContain('console.log("[REDACTED]")');
    expect(log.text).not.toContain(SECRET);

    const comments = gh.comments(number);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain(target.path);
    expect(comments[0]!.body).not.toContain(SECRET);
    expect(gh.checkRuns(target.commit)).toHaveLength(1);
    expect(told).toEqual({ recorded: [data.runId], alreadyHandled: [], finished: [run.state === "completed" && run.value] });
  });

  it("is idempotent when retried after its commit landed: one commit, one comment, one check run, the result posted again", async () => {
    const { target, number } = await merged("retried");
    const data = runData(target);
    await outcomes.save(data.runId, outcome(target));
    await bundles.save(data.runId, 'console.log("hi");');
    // The result webhook refuses the first delivery (not retried by the poster): the job fails after its commit.
    const deliveries: { status: number; body: string }[] = [];
    const server: Server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        const status = deliveries.length === 0 ? 400 : 204;
        deliveries.push({ status, body });
        res.writeHead(status).end();
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/results`;
      await q.handle("cleanup", cleanup({ resultWebhook: { url, secret: "hook-secret" } }));
      const before = await gh.head();

      const run = await cleanupRun(target, { attempts: 2 });
      expect(run.state).toBe("completed");
      expect(run.job.attemptsMade).toBe(2);
      expect(deliveries.map((d) => d.status)).toEqual([400, 204]);
      expect(deliveries[1]!.body).toBe(deliveries[0]!.body);
      expect(JSON.parse(deliveries[1]!.body)).toMatchObject({ run_id: data.runId, trigger: "merge", requested_by: null });

      const commits = await gh.commits();
      expect(commits[0]!.parents[0]).toBe(before);
      expect(commits[1]!.sha).toBe(before);
      expect(gh.comments(number)).toHaveLength(1);
      expect(gh.checkRuns(target.commit)).toHaveLength(1);
      expect(run.state === "completed" && (run.value as CleanupResult).commit).toBe(commits[0]!.sha);
      // Counted once, when the job completed.
      expect(told.finished).toHaveLength(1);
    } finally {
      server.close();
    }
  });

  it("commits nothing and posts nothing for a run the repository already records", async () => {
    const { target, number } = await merged("handled");
    const data = runData(target);
    const reason = `its run log ${targetLogPath(target, 1)} is already on main`;
    await outcomes.save(data.runId, outcome(target, { status: "refused", message: reason }, processResult(target, { alreadyHandled: reason })));
    await q.handle("cleanup", cleanup());
    const before = await gh.head();
    const writes = gh.requests.length;

    const run = await cleanupRun(target);
    expect(run.state === "completed" && run.value).toMatchObject({ commit: null, status: "refused" });
    expect(await gh.head()).toBe(before);
    expect(await gh.readFile(before, target.path)).toBeDefined();
    expect(gh.requests.slice(writes).filter((r) => r.method !== "GET")).toEqual([]);
    expect(gh.comments(number)).toEqual([]);
    expect(told).toEqual({ recorded: [data.runId], alreadyHandled: [[data.runId, reason]], finished: [] });
  });

  it("records a refused run, quoting no code even when a bundle is stored, and removes the script", async () => {
    const { target } = await merged("refused");
    const data = runData(target);
    const reason = "pull request #1 has 0 approving review(s)";
    const refused = processResult(target, { problem: { status: "refused", message: reason, detail: null } });
    await outcomes.save(
      data.runId,
      outcome(target, { status: "refused", exitCode: null, message: reason, output: { lines: [], omittedBytes: 0, omittedAt: null } }, refused),
    );
    await bundles.save(data.runId, 'console.log("a bundle that must not be quoted");');
    await q.handle("cleanup", cleanup());

    const run = await cleanupRun(target);
    expect(run.state).toBe("completed");
    const log = await logAt(target);
    expect(log.frontMatter).toMatchObject({ status: "refused" });
    expect(log.text).toContain(reason);
    expect(log.text).not.toContain("a bundle that must not be quoted");
    expect(await gh.readFile("main", target.path)).toBeUndefined();
  });

  it("still completes when GitHub refuses the report (no checks permission): the log is committed", async () => {
    const { target } = await merged("no-checks");
    const data = runData(target);
    await outcomes.save(data.runId, outcome(target));
    await q.handle("cleanup", cleanup());
    gh.failNext({ method: "POST", path: /\/check-runs$/, status: 403, body: { message: "Resource not accessible by integration" } });

    const run = await cleanupRun(target);
    expect(run.state).toBe("completed");
    expect((await logAt(target)).frontMatter).toMatchObject({ status: "succeeded" });
    expect(gh.checkRuns(target.commit)).toEqual([]);
    expect((await q.queue("cleanup").getJobLogs(data.runId)).logs.join("\n")).toMatch(/could not report the run on GitHub \(403\); the log is committed/);
  });

  it("records a run whose execute job failed after the script started as lost, from the ledger, through the flow", async () => {
    const { target } = await merged("lost");
    const data = runData(target);
    await bundles.save(data.runId, 'console.log("partly ran");');
    const queues = { process: q.queue("process"), execute: q.queue("execute") };
    await q.handle("process", async () => processResult(target));
    // The execute worker "dies" mid-run: the ledger says the script started, the job fails.
    await q.handle("execute", async (job) => {
      await ledger.start(job.data.runId as string, 1, "worker-that-died");
      throw new Error("job stalled more than allowable limit");
    });
    await q.handle("cleanup", cleanup({ outcome: outcomeReader(queues, ledger, outcomes) }));

    const settled = q.settled("cleanup", data.runId);
    await q.flows.add(flowNode("cleanup", data, [flowNode("execute", data, [flowNode("process", data)], { attempts: 1, continueParentOnFailure: true })]));
    const run = await settled;
    expect(run.state).toBe("completed");
    expect(run.state === "completed" && run.value).toMatchObject({ status: "lost" });
    const log = await logAt(target);
    expect(log.frontMatter).toMatchObject({ status: "lost" });
    expect(log.text).toContain("worker-that-died");
    expect(log.text).toContain("job stalled more than allowable limit");
    expect(await gh.readFile("main", target.path)).toBeUndefined();
    // What was recorded is kept: a retried cleanup renders the same log.
    expect((await outcomes.load(data.runId, 1))?.execution.status).toBe("lost");
  });
});
