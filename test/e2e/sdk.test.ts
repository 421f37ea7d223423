import { createHmac } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { startHarness, type Harness } from "./harness.js";

/** Receives the result webhook: every POST, with its headers and raw body. */
const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
const receiver = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk: Buffer) => (body += chunk.toString()));
  req.on("end", () => {
    received.push({ headers: req.headers, body });
    res.end();
  });
});
const RESULT_SECRET = "e2e-result-secret";

let h: Harness;
beforeAll(async () => {
  receiver.listen(0, "127.0.0.1");
  await once(receiver, "listening");
  const { port } = receiver.address() as { port: number };
  h = await startHarness({ env: { RESULT_WEBHOOK_URL: `http://127.0.0.1:${port}/hooks/chorebot?token=t0k3n`, RESULT_WEBHOOK_SECRET: RESULT_SECRET } });
});
afterAll(async () => {
  await h?.close();
  receiver.close();
});

/** An SDK script that records its execution inside run(). */
function sdkScript(name: string, inputs: string, body: string) {
  return `import { appendFileSync } from "node:fs";
import { defineScript, string, int, bool } from "chorebot";
export default defineScript({
  description: "e2e ${name}",
  inputs: ${inputs},
  async run({ inputs, log, counter, progress }) {
    appendFileSync(process.env.SIDE_EFFECTS!, ${JSON.stringify(name)} + "\\n");
    ${body}
  },
});
`;
}

describe("a merged SDK script", () => {
  it("runs with its defaults, and its inputs, counters, progress, log lines and result land in the run log and the dashboard", async () => {
    const path = "scripts/sdk-defaults.ts";
    const merged = await h.mergeAndPush({
      [path]: sdkScript(
        "sdk-defaults",
        `{ since: string({ default: "2026-11-01" }), limit: int({ default: 3, min: 1 }), dryRun: bool({ default: true }) }`,
        `for (let i = 0; i < inputs.limit; i++) { counter.inc("seen"); progress({ done: i + 1, total: inputs.limit }); }
    log("checked " + inputs.limit + " users since " + inputs.since);
    return { seen: inputs.limit, dryRun: inputs.dryRun };`,
      ),
    });
    const runId = merged.runIds[path]!;
    const result = await h.waitForRun(runId);
    expect(result.status).toBe("succeeded");
    const { frontMatter, body } = parseRunLog((await h.gh.readFile("main", result.logPath))!);
    expect(frontMatter).toMatchObject({
      inputs: { since: "2026-11-01", limit: 3, dryRun: true },
      counters: { seen: 3 },
      progress: { done: 3, total: 3 },
      result: { seen: 3, dryRun: true },
    });
    expect(body).toContain("log | checked 3 users since 2026-11-01");
    const execute = await h.queues.execute.getJob(runId);
    // The dashboard's live state: Bull Board's ring draws `progress`, its Progress tab shows the rest.
    expect(execute!.progress).toEqual({ attempt: 1, progress: 100, done: 3, total: 3, percent: 100, counters: { seen: 3 }, logLines: 1 });
    expect((await h.queues.execute.getJobLogs(runId)).logs).toEqual(expect.arrayContaining(["checked 3 users since 2026-11-01", "counters: seen=3"]));
    expect(await h.timesRan("sdk-defaults")).toBe(1);

    // Other systems hear about it: the result, signed with RESULT_WEBHOOK_SECRET.
    const delivery = received.find((r) => JSON.parse(r.body).run_id === runId)!;
    expect(JSON.parse(delivery.body)).toMatchObject({ status: "succeeded", script: path, result: { seen: 3, dryRun: true }, attempt: 1 });
    expect(delivery.headers["x-chorebot-signature-256"]).toBe(`sha256=${createHmac("sha256", RESULT_SECRET).update(delivery.body).digest("hex")}`);
  });

  it("is refused before anything runs when a required input has no default", async () => {
    const path = "scripts/sdk-needs-input.ts";
    const merged = await h.mergeAndPush({ [path]: sdkScript("sdk-needs-input", `{ since: string({ required: true }) }`, `return 1;`) });
    const result = await h.waitForRun(merged.runIds[path]!);
    expect(result.status).toBe("refused");
    const { frontMatter } = parseRunLog((await h.gh.readFile("main", result.logPath))!);
    expect(frontMatter.message).toBe("input `since` is required and has no default; a merged script runs with its defaults");
    expect(await h.timesRan("sdk-needs-input")).toBe(0);
  });

  it("collects reports sent from a worker thread and a child process over the channel they inherit", async () => {
    const path = "scripts/sdk-helpers-report.ts";
    const send = (message: string) => `require("node:net").connect(process.env.CHOREBOT_CHANNEL).end(JSON.stringify(${message}) + String.fromCharCode(10))`;
    const merged = await h.mergeAndPush({
      [path]: sdkScript(
        "sdk-helpers-report",
        `{}`,
        `const { Worker } = await import("node:worker_threads");
    const { execFileSync } = await import("node:child_process");
    await new Promise((resolve, reject) => {
      const worker = new Worker(${JSON.stringify(send(`{ type: "counter", name: "from_thread", op: "inc", value: 2 }`))} + "; setTimeout(() => {}, 200)", { eval: true });
      worker.once("exit", resolve).once("error", reject);
    });
    execFileSync(process.execPath, ["-e", ${JSON.stringify(send(`{ type: "log", message: "from a child process" }`) + "; setTimeout(() => {}, 200)")}]);
    counter.inc("from_script");`,
      ),
    });
    const result = await h.waitForRun(merged.runIds[path]!);
    expect(result.status).toBe("succeeded");
    const { frontMatter, body } = parseRunLog((await h.gh.readFile("main", result.logPath))!);
    expect(frontMatter.counters).toEqual({ from_thread: 2, from_script: 1 });
    expect(body).toContain("log | from a child process");
  });
});

describe("a merged script's code runs once, only in execute", () => {
  it("runs a plain script that imports the SDK's log exactly once", async () => {
    const path = "scripts/plain-with-log.ts";
    const merged = await h.mergeAndPush({
      [path]: `import { appendFileSync } from "node:fs";\nimport { log } from "chorebot";\nappendFileSync(process.env.SIDE_EFFECTS!, "plain-with-log\\n");\nlog("top-level work done");\n`,
    });
    const result = await h.waitForRun(merged.runIds[path]!);
    expect(result.status).toBe("succeeded");
    expect(await h.timesRan("plain-with-log")).toBe(1);
    expect((await h.gh.readFile("main", result.logPath))!).toContain("log | top-level work done");
  });

  it("fails, naming the line, a definition that is not literals, and runs nothing of it", async () => {
    const path = "scripts/computed-default.ts";
    const merged = await h.mergeAndPush({
      [path]: `import { appendFileSync } from "node:fs";
import { defineScript, int } from "chorebot";
appendFileSync(process.env.SIDE_EFFECTS!, "computed-default-top\\n");
const LIMIT = 10;
export default defineScript({
  inputs: { limit: int({ default: LIMIT }) },
  async run() {
    appendFileSync(process.env.SIDE_EFFECTS!, "computed-default\\n");
  },
});
`,
    });
    const result = await h.waitForRun(merged.runIds[path]!);
    expect(result.status).toBe("failed");
    const { frontMatter, body } = parseRunLog((await h.gh.readFile("main", result.logPath))!);
    expect(frontMatter.message).toBe("chorebot cannot read the script's definition");
    expect(body).toMatch(/scripts\/computed-default\.ts:6:\d+: inputs\.limit: default must be a literal/);
    expect(await h.timesRan("computed-default-top")).toBe(0);
    expect(await h.timesRan("computed-default")).toBe(0);
  });
});
