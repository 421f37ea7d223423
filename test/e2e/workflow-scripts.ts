import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import type { ExecuteSummary } from "../../src/pipeline/job-data.js";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { ExecutionLedger } from "../../src/stores/execution-ledger.js";
import { DASHBOARD, type Harness } from "./harness.js";

/**
 * A workflow's source for the e2e tests. Each step leaves a side effect, a line in
 * `<name>.marks` in SCRIPT_CWD (`mark("run one")`), so a test reads the order the steps and
 * rollbacks really ran in, not what the record says about it. `body` is the object given to
 * defineWorkflow after `state`, in TypeScript.
 */
export function workflowScript(name: string, body: string): string {
  return `import { appendFileSync } from "node:fs";
import { defineWorkflow, step } from "chorebot";
const mark = (what: string) => appendFileSync(${JSON.stringify(`${name}.marks`)}, what + "\\n");
export default defineWorkflow({
  description: "e2e ${name}",
  state: { done: [] as string[] },
  stepTimeout: "20s",
  ${body}
});
`;
}

/** The side effects a workflow's steps left, in order. */
export async function marks(h: Harness, name: string): Promise<string[]> {
  const text = await readFile(join(h.scriptCwd, `${name}.marks`), "utf8").catch(() => "");
  return text.split("\n").filter((line) => line.length > 0);
}

/** What the run's records say: the execute job's summary, the ledger's workflow record, and the committed log. */
export async function runRecord(h: Harness, runId: string, logPath: string) {
  const job = await h.queues.execute.getJob(runId);
  const redis = new Redis(h.redis.url);
  try {
    const text = await h.gh.readFile(h.gh.defaultBranch, logPath);
    if (text === undefined) throw new Error(`${logPath} is not committed`);
    return {
      summary: (job?.returnvalue ?? null) as ExecuteSummary | null,
      ledger: await new ExecutionLedger(redis, h.queues.execute.opts.prefix!).read(runId),
      log: parseRunLog(text),
    };
  } finally {
    redis.disconnect();
  }
}

/** `GET /api/runs/<id>` with the dashboard's login: the run as the API shows it. */
export async function apiRun(h: Harness, runId: string): Promise<Record<string, any>> {
  const basic = `Basic ${Buffer.from(`${DASHBOARD.user}:${DASHBOARD.password}`).toString("base64")}`;
  const answer = await fetch(`${h.appUrl}/api/runs/${runId}`, { headers: { authorization: basic } });
  if (answer.status !== 200) throw new Error(`GET /api/runs/${runId}: ${answer.status} ${await answer.text()}`);
  return (await answer.json()) as Record<string, any>;
}

/** `POST /api/runs/<id>/<decision>` (like `signals/approved`, `resume`) with a user's token, or the dashboard's login when `token` is null. */
export async function decide(
  h: Harness,
  runId: string,
  decision: string,
  token: string | null,
  payload?: unknown,
): Promise<{ status: number; body: Record<string, any> }> {
  const authorization = token === null ? `Basic ${Buffer.from(`${DASHBOARD.user}:${DASHBOARD.password}`).toString("base64")}` : `Bearer ${token}`;
  const answer = await fetch(`${h.appUrl}/api/runs/${runId}/${decision}`, {
    method: "POST",
    headers: { authorization, ...(payload === undefined ? {} : { "content-type": "application/json" }) },
    ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
  });
  return { status: answer.status, body: (await answer.json()) as Record<string, any> };
}

/** The execute queue's events: which runs' execute jobs went back to `delayed` (parked, or waiting their turn) since this started listening. */
export async function executeEvents(h: Harness) {
  const events = new QueueEvents("execute", { connection: { host: "127.0.0.1", port: h.redis.port }, prefix: h.queues.execute.opts.prefix! });
  await events.waitUntilReady();
  const seen = new Set<string>();
  const waiters: { runId: string; resolve: () => void }[] = [];
  events.on("delayed", ({ jobId }: { jobId: string }) => {
    seen.add(jobId);
    for (const waiter of waiters.filter((w) => w.runId === jobId)) waiter.resolve();
  });
  return {
    /** Resolves once the run's execute job has gone to `delayed` (at once if it did already). */
    delayed(runId: string): Promise<void> {
      if (seen.has(runId)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ runId, resolve }));
    },
    close: () => events.close(),
  };
}
