/**
 * A chore run through the real execute and cleanup steps, on real BullMQ queues and the
 * GitHub stand-in: queued by enqueueChoreRun as the chores pages queue it, its process step a
 * stand-in that returns what processChoreStep would (the indexed bundle and description).
 */
import { createHash, randomUUID } from "node:crypto";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Job, type Queue } from "bullmq";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RunStatusReader, type RunStatusView } from "../../../src/api/run-status-reader.js";
import type { IndexedChore, RepoCatalog } from "../../../src/catalog-types.js";
import { readScriptDefinition } from "../../../src/definitions/read-definition.js";
import { gitBlobSha } from "../../../src/github/commit-run-log.js";
import type { GitHubClient } from "../../../src/github/octokit.js";
import { defaultRepoConfig } from "../../../src/github/repo-config.js";
import { PullRequestComments } from "../../../src/notify/pull-request-comments.js";
import { enqueueChoreRun, type ChoreRunRequest } from "../../../src/pipeline/enqueue-chore-run.js";
import type { CleanupJobData, CleanupResult, ProcessResult, RunJobData } from "../../../src/pipeline/job-data.js";
import { QUEUE_NAMES, type QueueName } from "../../../src/pipeline/queues.js";
import { choreRunId } from "../../../src/pipeline/run-id.js";
import { bundleScript } from "../../../src/runner/bundle-script.js";
import { parseRunLog } from "../../../src/runlog/parse-run-log.js";
import { targetLogPath } from "../../../src/runlog/target-log-path.js";
import { cleanupStep } from "../../../src/steps/cleanup-step.js";
import { executeStep } from "../../../src/steps/execute-step.js";
import { outcomeReader } from "../../../src/steps/flow-outcome.js";
import { outcomeStore } from "../../../src/steps/store-outcome.js";
import { BundleStore } from "../../../src/stores/bundle-store.js";
import { Cancellations } from "../../../src/stores/cancellations.js";
import { ChoreRuns, choreRunsKey } from "../../../src/stores/chore-runs.js";
import { ConcurrencyLock } from "../../../src/stores/concurrency-lock.js";
import { ExecutionLedger } from "../../../src/stores/execution-ledger.js";
import { RunInputs, runInputsKey } from "../../../src/stores/run-inputs.js";
import { RunNames } from "../../../src/stores/run-names.js";
import { RunOutcomes } from "../../../src/stores/run-outcomes.js";
import { RunRetention } from "../../../src/stores/run-retention.js";
import { LIMITS, standInOctokit, startGitHubStandIn, startStepQueues, type GitHubStandIn, type StepQueues } from "./step-fixtures.js";

// Made at run time: no value that looks like a credential is committed.
const SECRET = `tok-${randomUUID()}`;
const CSV = "account,plan\nacme-1,gold\n";

/** A chore with a plain, a secret and a file input; it prints all three and the file's content, then waits for `gate` if given. */
const SOURCE = [
  'import { readFileSync } from "node:fs";',
  'import { defineScript, file, string } from "chorebot";',
  "export default defineScript({",
  '  description: "Unlocks an account",',
  '  concurrency: "none",',
  "  inputs: { account: string({ required: true }), token: string({ secret: true }), csv: file() },",
  "  async run({ inputs, log }) {",
  '    console.log("account", inputs.account);',
  '    log("unlocking", inputs.account, "with", inputs.token);',
  '    console.log("token", inputs.token);',
  '    console.log("csv at", inputs.csv);',
  '    console.error("csv", JSON.stringify(readFileSync(inputs.csv, "utf8")));',
  "    if (process.env.CHORE_TEST_GATE) await fetch(process.env.CHORE_TEST_GATE);",
  "  },",
  "});",
  "",
].join("\n");
const GATE_ENV = "CHORE_TEST_GATE";

let gh: GitHubStandIn;
let q: StepQueues;
let octokit: GitHubClient;
let code: string;
let chore: IndexedChore;
let catalog: RepoCatalog;
beforeAll(async () => {
  [gh, q] = await Promise.all([startGitHubStandIn({ owner: "acme", repo: "widgets" }), startStepQueues()]);
  octokit = await standInOctokit(gh);
  const path = "chores/unlock.ts";
  const commit = await gh.commitFiles({ files: { [path]: SOURCE }, message: "Add the unlock chore" });
  const bundled = await bundleScript({ entry: path, readFile: async (file) => (file === path ? SOURCE : null) });
  if (!bundled.ok) throw new Error(bundled.message);
  code = bundled.code;
  const reading = readScriptDefinition(SOURCE, path);
  expect(reading.problems).toEqual([]);
  chore = {
    name: "unlock",
    path,
    commit,
    committedAt: new Date().toISOString(),
    blob: gitBlobSha(SOURCE),
    description: reading.definition,
    provenance: { pullRequest: null, approvedBy: ["bob"], refusal: null },
    files: [path],
    minApprovals: 1,
  };
  catalog = {
    owner: gh.owner,
    repo: gh.repo,
    installationId: gh.installationId,
    defaultBranch: gh.defaultBranch,
    head: commit,
    indexedAt: new Date().toISOString(),
    config: defaultRepoConfig(LIMITS),
    // enqueueChoreRun is given the chore's version: it does not look it up here.
    chores: [],
  };
});
afterAll(async () => {
  delete process.env[GATE_ENV];
  await q?.close();
  await gh?.close();
});

let cwd: string;
let inputs: RunInputs;
let history: ChoreRuns;
let ledger: ExecutionLedger;
let outcomes: RunOutcomes;
let bundles: BundleStore;
let cancellations: Cancellations;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), "chore-run-"));
  inputs = new RunInputs(q.redis, q.prefix);
  history = new ChoreRuns(q.redis, q.prefix);
  ledger = new ExecutionLedger(q.redis, q.prefix);
  outcomes = new RunOutcomes(q.redis, q.prefix);
  bundles = new BundleStore(q.redis, q.prefix);
  cancellations = new Cancellations(q.redis, q.prefix, { executeQueue: q.queue("execute") });
});
afterEach(async () => {
  delete process.env[GATE_ENV];
  await q.reset();
  await cancellations.close();
  await rm(cwd, { recursive: true, force: true });
});

/** The three steps as the workers wire them: process as processChoreStep would answer, execute and cleanup for real. */
async function startSteps(
  o: { dropInputs?: boolean; scriptEnv?: string[]; resultWebhook?: { url: string; secret: string }; names?: Pick<RunNames, "ended"> } = {},
) {
  const processed: ProcessResult = { provenance: chore.provenance, alreadyHandled: null, description: chore.description, problem: null };
  await q.handle("process", async (job: Job<RunJobData>) => {
    await bundles.save(job.data.runId, code);
    return processed;
  });
  const scriptEnv = o.scriptEnv ?? [];
  const execute = executeStep({
    runner: { scriptCwd: cwd, scriptEnv, scriptEnvValues: [], timeoutMs: 20_000, outputLimit: 64 * 1024, workflowStateLimit: 1024 * 1024 },
    appSecrets: [],
    ledger,
    bundles,
    locks: new ConcurrencyLock(q.redis, q.prefix, 5_000),
    shutdown: new AbortController().signal,
    cancellations,
    keep: outcomeStore({ ledger, outcomes, recordRetry: async () => {} }),
    roomToRecord: async () => {},
    retryRefusal: async () => null,
    inputs,
  });
  await q.handle("execute", execute, { lockDuration: 30_000 });
  await q.handle(
    "cleanup",
    cleanupStep({
      octokitFor: async () => octokit,
      valuesToRedact: [],
      resultWebhook: o.resultWebhook ?? null,
      outcome: outcomeReader({ process: q.queue("process"), execute: q.queue("execute") }, ledger, outcomes),
      bundle: (runId) => bundles.load(runId),
      recorded: async () => {},
      alreadyHandled: () => {},
      comments: new PullRequestComments(q.redis, q.prefix, 60_000),
      ...(o.dropInputs === false ? {} : { inputs }),
      ...(o.names ? { names: o.names } : {}),
    }),
  );
}

function request(over: Partial<ChoreRunRequest> = {}): ChoreRunRequest {
  return {
    catalog,
    chore,
    requestedBy: "carol",
    requestKey: randomUUID(),
    values: { account: "acme-1", token: SECRET },
    files: { csv: { filename: "accounts.csv", bytes: Buffer.from(CSV) } },
    ...over,
  };
}

const enqueue = (over: Partial<ChoreRunRequest> = {}, githubStepAttempts = 1) =>
  enqueueChoreRun({ flows: q.flows, inputs, history, githubStepAttempts }, request(over));

/** Queues a chore run and resolves once its cleanup has ended. */
async function run(over: Partial<ChoreRunRequest> = {}, githubStepAttempts = 1) {
  const key = over.requestKey ?? randomUUID();
  const { runId } = await enqueue({ ...over, requestKey: key }, githubStepAttempts);
  const settled = await q.settled("cleanup", runId);
  return { runId, settled };
}

/** Every job the run left in the step queues, and everything each holds (data, result, logs, progress, failure). */
async function jobTraces(runId: string): Promise<string> {
  const texts: string[] = [];
  for (const name of ["process", "execute", "cleanup"]) {
    const queue = q.queue(name);
    const job = await Job.fromId(queue, runId);
    if (!job) throw new Error(`no ${name} job ${runId}`);
    const { logs } = await queue.getJobLogs(runId);
    texts.push(JSON.stringify([job.data, job.returnvalue, job.progress, job.failedReason, job.stacktrace, logs]));
  }
  return texts.join("\n");
}

/** Every value in the test's Redis, whatever its type. */
async function everythingInRedis(): Promise<string> {
  const keys = await q.redis.keys("*");
  const values = await Promise.all(
    keys.map(async (key) => {
      const type = await q.redis.type(key);
      if (type === "string") return q.redis.get(key);
      if (type === "hash") return JSON.stringify(await q.redis.hgetall(key));
      if (type === "list") return JSON.stringify(await q.redis.lrange(key, 0, -1));
      if (type === "set") return JSON.stringify(await q.redis.smembers(key));
      if (type === "zset") return JSON.stringify(await q.redis.zrange(key, 0, -1));
      if (type === "stream") return JSON.stringify(await q.redis.xrange(key, "-", "+"));
      return "";
    }),
  );
  return values.join("\n");
}

const outcomeOf = async (runId: string) => (await outcomes.load(runId, 1))!;

describe("a chore run", () => {
  it("runs with its inputs through execute and cleanup and commits only its log, at the chore's path, naming who ran it with what", async () => {
    await startSteps();
    const before = await gh.head();
    const { runId, settled } = await run();
    expect(settled.state).toBe("completed");
    const data = (await Job.fromId<CleanupJobData>(q.queue("cleanup"), runId))!.data;
    const logPath = targetLogPath(data.target, 1, runId);
    const day = new Date(data.target.chore!.request.requestedAt);
    const ymd = [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()].map((n) => String(n).padStart(2, "0"));
    expect(logPath).toBe(`logs/chores/unlock/${ymd[0]}/${ymd[1]}/${ymd[2]}-${runId}.md`);
    expect(settled.state === "completed" && (settled.value as CleanupResult)).toMatchObject({ logPath, status: "succeeded", cleanupPullRequest: null });

    // One commit on top of what was there: the log added, the chore kept as it was.
    const head = await gh.head();
    const [landed] = await gh.commits();
    expect(landed).toMatchObject({ sha: head, parents: [before] });
    expect(await gh.readFile(head, chore.path)).toBe(SOURCE);
    const text = await gh.readFile(head, logPath);
    if (text === undefined) throw new Error(`no log at ${logPath}`);
    const { frontMatter, body } = parseRunLog(text);
    expect(frontMatter).toMatchObject({
      script: chore.path,
      commit: chore.commit,
      trigger: "ui",
      chore: "unlock",
      requested_by: "carol",
      requested_at: data.target.chore!.request.requestedAt,
      status: "succeeded",
      approved_by: ["bob"],
      inputs: {
        account: "acme-1",
        token: { secret: true },
        csv: { file: "accounts.csv", bytes: Buffer.byteLength(CSV), sha256: createHash("sha256").update(CSV).digest("hex") },
      },
    });
    expect(body).toContain("Run on demand by @carol");
    expect(body).toContain("account acme-1");
    // The script printed the secret: redacted before it was stored anywhere.
    expect(body).toContain("token [REDACTED]");
    expect(text).not.toContain(SECRET);
    // The chore's own page, not the pull request that last changed it, is where its runs show.
    expect(gh.checkRuns(chore.commit)).toEqual([]);
    expect(await history.recent(gh.owner, gh.repo, "unlock", 10)).toEqual([runId]);
  });

  it("posts its result with who ran it, and through a cleanup pull request proposes only its log", async () => {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        bodies.push(body);
        res.writeHead(204).end();
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      await startSteps({ resultWebhook: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/results`, secret: randomUUID() } });
      const before = await gh.head();
      const { runId, settled } = await run({ catalog: { ...catalog, config: { ...catalog.config, cleanup: "pull_request" } } });
      expect(settled.state).toBe("completed");
      const result = settled.state === "completed" ? (settled.value as CleanupResult) : null;
      expect(result?.cleanupPullRequest).not.toBeNull();
      expect(await gh.head()).toBe(before);
      // The proposal adds the log and leaves the chore as it is.
      expect(await gh.readFile(result!.commit!, result!.logPath)).toContain("trigger: ui");
      expect(await gh.readFile(result!.commit!, chore.path)).toBe(SOURCE);
      expect(bodies).toHaveLength(1);
      expect(JSON.parse(bodies[0]!)).toMatchObject({ run_id: runId, script: chore.path, status: "succeeded", trigger: "ui", requested_by: "carol" });
      expect(bodies[0]).not.toContain(SECRET);
    } finally {
      server.close();
    }
  });

  it("is idempotent when its cleanup is retried after its log landed: one commit, the chore kept", async () => {
    const statuses: number[] = [];
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        // The first delivery is refused (not retried by the poster): the job fails after its commit.
        const status = statuses.length === 0 ? 400 : 204;
        statuses.push(status);
        res.writeHead(status).end();
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      await startSteps({ resultWebhook: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/results`, secret: randomUUID() } });
      const before = await gh.head();
      const { settled } = await run({}, 2);
      expect(settled.state).toBe("completed");
      expect(settled.job.attemptsMade).toBe(2);
      expect(statuses).toEqual([400, 204]);
      const commits = await gh.commits();
      expect(commits[0]!.parents).toEqual([before]);
      expect(await gh.readFile(commits[0]!.sha, chore.path)).toBe(SOURCE);
      expect(settled.state === "completed" && (settled.value as CleanupResult).commit).toBe(commits[0]!.sha);
    } finally {
      server.close();
    }
  });

  it("keeps a secret input out of every job and, once recorded, out of Redis altogether", async () => {
    await startSteps();
    const { runId, settled } = await run();
    expect(settled.state).toBe("completed");
    const printed = (await outcomeOf(runId)).execution.output.lines.map((line) => line.text);
    expect(printed).toContain("token [REDACTED]");
    expect(await jobTraces(runId)).not.toContain(SECRET);
    // The raw inputs went with the run's record: nothing in Redis holds the secret any more.
    expect(await q.redis.exists(runInputsKey(q.prefix, runId))).toBe(0);
    expect(await everythingInRedis()).not.toContain(SECRET);
  });

  it("hands an uploaded file to the script as a readable path in a private folder, removed once the run ends", async () => {
    await startSteps();
    const { runId, settled } = await run();
    expect(settled.state).toBe("completed");
    const lines = (await outcomeOf(runId)).execution.output.lines;
    expect(lines).toContainEqual(expect.objectContaining({ stream: "stderr", text: `csv ${JSON.stringify(CSV)}` }));
    const path = lines.find((line) => line.text.startsWith("csv at "))!.text.slice("csv at ".length);
    expect(path.startsWith(tmpdir())).toBe(true);
    expect(path.endsWith("accounts.csv")).toBe(true);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(dirname(path))).toBe(false);
  });

  it("gives the file's folder to the run alone (mode 0700) while it runs", async () => {
    const { server, url, release, reached } = await gate();
    process.env[GATE_ENV] = url;
    try {
      await startSteps({ scriptEnv: [GATE_ENV] });
      const { runId } = await enqueue({ requestKey: "held" });
      const settled = q.settled("cleanup", runId);
      await reached;
      const saved = await untilOutput(runId, (line) => line.text.startsWith("csv at "));
      const path = saved.text.slice("csv at ".length);
      expect((await stat(dirname(path))).mode & 0o777).toBe(0o700);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      release();
      expect((await settled).state).toBe("completed");
      expect(existsSync(dirname(path))).toBe(false);
    } finally {
      server.close();
    }
  });

  it("is one run when the same request is sent twice: one flow, the first request's inputs, one history entry", async () => {
    const first = await enqueue({ requestKey: "form-1" });
    const second = await enqueue({ requestKey: "form-1", values: { account: "someone-else", token: SECRET } });
    expect(second).toEqual(first);
    for (const name of ["process", "execute", "cleanup"]) expect(await q.queue(name).count()).toBe(1);
    expect((await inputs.load(first.runId))!.values).toEqual({ account: "acme-1", token: SECRET });
    expect(await history.recent(gh.owner, gh.repo, "unlock", 10)).toEqual([first.runId]);
    // Another request is another run.
    const other = await enqueue({ requestKey: "form-2" });
    expect(other.runId).not.toBe(first.runId);
    expect(await history.recent(gh.owner, gh.repo, "unlock", 10)).toEqual([other.runId, first.runId]);
    expect(first.runId).not.toMatch(/[:/]/);
  });

  it("takes only declared inputs, a file input only from an upload: no value can name a path on the worker", async () => {
    const { runId } = await enqueue({
      values: { account: "acme-1", csv: "/etc/passwd", undeclared: "x" },
      files: { account: { filename: "a.txt", bytes: Buffer.from("no") } },
    });
    expect(await inputs.load(runId)).toEqual({ values: { account: "acme-1" }, files: {} });
    const data = (await Job.fromId<RunJobData>(q.queue("execute"), runId))!.data;
    expect(data.target.chore!.request.inputs).toEqual({ account: "acme-1" });
  });

  it("is refused, and nothing runs, when its inputs are gone", async () => {
    await startSteps();
    const key = randomUUID();
    const { runId } = await enqueue({ requestKey: key });
    // Expired, or removed: the run must not start with nothing.
    await inputs.drop(runId);
    const settled = await q.settled("cleanup", runId);
    expect(settled.state).toBe("completed");
    const outcome = await outcomeOf(runId);
    expect(outcome.execution).toMatchObject({ status: "refused", exitCode: null, output: { lines: [] } });
    expect(outcome.execution.message).toContain("its inputs are no longer stored");
    expect(await ledger.read(runId)).toMatchObject({ attempt: 0, resultAttempt: 1 });
    const data = (await Job.fromId<CleanupJobData>(q.queue("cleanup"), runId))!.data;
    const log = await gh.readFile("main", targetLogPath(data.target, 1, runId));
    expect(parseRunLog(log!).frontMatter).toMatchObject({ status: "refused", trigger: "ui", requested_by: "carol" });
  });

  it("shows in /api/runs who ran it, how, with what, and its redacted output: while it runs and once it has ended", async () => {
    const { server, url, release, reached } = await gate();
    process.env[GATE_ENV] = url;
    try {
      await startSteps({ scriptEnv: [GATE_ENV] });
      const { runId } = await enqueue({ requestKey: "viewed" });
      const settled = q.settled("cleanup", runId);
      await reached;
      const running = await untilView(
        runId,
        (view) => view.status === "running" && view.output.some((line) => line.text.startsWith("token")) && view.output.some((line) => line.stream === "log"),
      );
      const expected = {
        id: runId,
        script: chore.path,
        trigger: "ui",
        requested_by: "carol",
        chore: "unlock",
        inputs: { account: "acme-1", token: { secret: true }, csv: { file: "accounts.csv", bytes: Buffer.byteLength(CSV) } },
      };
      expect(running).toMatchObject(expected);
      expect(running.output).toContainEqual(expect.objectContaining({ stream: "stdout", text: "token [REDACTED]" }));
      // log() lines show while it runs too, redacted, never earlier in time than a line before them.
      expect(running.output).toContainEqual(expect.objectContaining({ stream: "log", text: "unlocking acme-1 with [REDACTED]" }));
      expect(running.output.map((line) => line.t)).toEqual([...running.output.map((line) => line.t)].sort((a, b) => a - b));
      release();
      await settled;
      const done = await untilView(runId, (view) => view.status === "succeeded");
      expect(done).toMatchObject({
        ...expected,
        log: { path: targetLogPath((await Job.fromId<RunJobData>(q.queue("cleanup"), runId))!.data.target, 1, runId) },
      });
      expect(done.output.map((line) => line.text)).toEqual(expect.arrayContaining(["account acme-1", "token [REDACTED]", `csv ${JSON.stringify(CSV)}`]));
      expect(JSON.stringify(done)).not.toContain(SECRET);
    } finally {
      server.close();
    }
  });

  it("keeps a named run's name taken while it runs and RUN_NAME_TTL once it is recorded, and logs the comment that asked for it", async () => {
    const ttlMs = 5 * 60_000;
    const names = new RunNames(q.redis, q.prefix, ttlMs);
    const { server, url, release, reached } = await gate();
    process.env[GATE_ENV] = url;
    try {
      await startSteps({ scriptEnv: [GATE_ENV], names });
      const requestKey = "comment-1001";
      const runId = choreRunId({ owner: catalog.owner, repo: catalog.repo, name: chore.name, requestKey });
      // As startChore does: the name is claimed for the run's id before it is queued.
      expect(await names.claim(catalog, "Nightly-Unlock", runId)).toEqual({ taken: false });
      const comment = { url: `https://github.example/${gh.owner}/${gh.repo}/issues/3#issuecomment-1001`, issueNumber: 3, commentId: 1001, replyId: 2002 };
      expect(await enqueue({ requestKey, trigger: "comment", name: "Nightly-Unlock", comment })).toEqual({ runId });
      const data = (await Job.fromId<RunJobData>(q.queue("execute"), runId))!.data;
      expect(data.target.chore!.request).toMatchObject({ trigger: "comment", requestedBy: "carol", name: "Nightly-Unlock", comment });
      const settled = q.settled("cleanup", runId);
      await reached;
      const [key] = await q.redis.keys(`${q.prefix}:run-name:*`);
      // While it runs, the name is held past any TTL.
      expect(await q.redis.pttl(key!)).toBeGreaterThan(ttlMs);
      expect(await names.claim(catalog, "nightly-unlock", "another-run")).toEqual({ taken: true, runId });
      release();
      expect((await settled).state).toBe("completed");
      const pttl = await q.redis.pttl(key!);
      expect(pttl).toBeGreaterThan(ttlMs - 60_000);
      expect(pttl).toBeLessThanOrEqual(ttlMs);
      expect(await names.claim(catalog, "NIGHTLY-UNLOCK", "another-run")).toEqual({ taken: true, runId });

      const log = await gh.readFile("main", targetLogPath(data.target, 1, runId));
      const { frontMatter, body } = parseRunLog(log!);
      expect(frontMatter).toMatchObject({
        trigger: "comment",
        run_name: "Nightly-Unlock",
        comment_url: comment.url,
        requested_by: "carol",
        status: "succeeded",
      });
      expect(body).toContain(`Run on demand by @carol in [a comment](${comment.url}) (chore unlock`);
    } finally {
      server.close();
    }
  });

  it("ends no name for an unnamed run, and the API's run says it came through the API", async () => {
    const ended: unknown[] = [];
    await startSteps({ names: { ended: async (...args) => void ended.push(args) } });
    const { runId, settled } = await run({ trigger: "api" });
    expect(settled.state).toBe("completed");
    expect(ended).toEqual([]);
    const data = (await Job.fromId<CleanupJobData>(q.queue("cleanup"), runId))!.data;
    const { frontMatter, body } = parseRunLog((await gh.readFile("main", targetLogPath(data.target, 1, runId)))!);
    expect(frontMatter).toMatchObject({ trigger: "api" });
    expect(frontMatter).not.toHaveProperty("run_name");
    expect(body).toContain("Run on demand by @carol through the API (chore unlock");
  });

  it("leaves Redis with the rest of the run's records: its inputs and its history entry go too", async () => {
    // Cleanup leaves the inputs here (not wired to drop them), so retention is what removes them.
    await startSteps({ dropInputs: false });
    const { runId, settled } = await run();
    expect(settled.state).toBe("completed");
    const key = choreRunsKey(q.prefix, { owner: gh.owner, repo: gh.repo, name: "unlock" });
    expect(await q.redis.exists(runInputsKey(q.prefix, runId))).toBe(1);
    expect(await q.redis.zscore(key, runId)).not.toBeNull();

    const queues = Object.fromEntries(QUEUE_NAMES.map((name) => [name, q.queue(name)])) as Record<QueueName, Queue>;
    const retention = new RunRetention(q.redis, q.prefix, queues, { completedMs: 60_000, failedMs: 60_000, scheduledMs: 60_000 });
    const now = Date.now();
    await retention.recorded(runId, { now });
    expect(await retention.sweep(now + 60_001)).toEqual([runId]);
    expect(await q.redis.exists(runInputsKey(q.prefix, runId))).toBe(0);
    expect(await q.redis.zscore(key, runId)).toBeNull();
    expect(await history.recent(gh.owner, gh.repo, "unlock", 10)).toEqual([]);
  });
});

/** A server the script calls once it has printed everything: it answers once `release` is called. */
async function gate(): Promise<{ server: Server; url: string; release: () => void; reached: Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let reach!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const server = createServer((_req, res) => {
    reach();
    void released.then(() => res.end("ok"));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, release, reached };
}

/** The run's view once `ready` holds for it (the ledger's output is saved about once a second while a script runs). */
async function untilView(runId: string, ready: (view: RunStatusView) => boolean): Promise<RunStatusView> {
  const reader = new RunStatusReader({ queues: { process: q.queue("process"), execute: q.queue("execute"), cleanup: q.queue("cleanup") }, redis: q.redis });
  for (let i = 0; i < 200; i++) {
    const view = await reader.get(runId);
    if (view && ready(view)) return view;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`run ${runId} never reached the expected view`);
}

/** The first saved output line of the running run that matches. */
async function untilOutput(runId: string, match: (line: RunStatusView["output"][number]) => boolean) {
  const view = await untilView(runId, (v) => v.output.some(match));
  return view.output.find(match)!;
}
