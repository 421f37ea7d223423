import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Redis } from "ioredis";
import type { ExecuteSummary } from "../../src/pipeline/job-data.js";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { ExecutionLedger } from "../../src/stores/execution-ledger.js";
import type { Harness } from "./harness.js";

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
