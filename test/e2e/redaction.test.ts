import { once } from "node:events";
import { createServer } from "node:http";
import type { Job } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CleanupResult } from "../../src/pipeline/job-data.js";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { DASHBOARD, METRICS_AUTH, startHarness, type Harness, type MergeResult } from "./harness.js";

// Three SCRIPT_ENV values: the harness's token, one a script uses as a number, one that JSON,
// JavaScript and URLs must escape (a quote and a backslash).
const TOKEN = "prod-token-value-123";
const NUMBER = "73914826";
const QUOTED = 'pa"ss\\word-1234';
const SECRETS = [TOKEN, NUMBER, QUOTED];

/** The forms of a secret that must appear nowhere: raw and in its common encodings. */
function forms(secret: string): string[] {
  const bytes = Buffer.from(secret);
  // The part of `user:<secret>`'s base64 that depends only on the secret (an Authorization header).
  const shifted = Buffer.from(`user:${secret}`).toString("base64").slice(8, -4);
  return [
    ...new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret), bytes.toString("base64"), bytes.toString("base64url"), shifted]),
  ];
}

function expectNoSecrets(text: string, where: string) {
  for (const secret of SECRETS) {
    for (const form of forms(secret)) expect(text.includes(form), `${where} contains ${form} (a form of ${secret})`).toBe(false);
  }
}

/** Receives the result webhook. */
const received: string[] = [];
const receiver = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk: Buffer) => (body += chunk.toString()));
  req.on("end", () => {
    received.push(body);
    res.end();
  });
});

const auth = { authorization: `Basic ${Buffer.from(`${DASHBOARD.user}:${DASHBOARD.password}`).toString("base64")}` };
const lit = (value: string) => JSON.stringify(value);

/** Prints and logs every form of every secret, counts and returns them (as keys and numbers too). */
const SDK_SCRIPT = `import { appendFileSync } from "node:fs";
import { defineScript, string, int } from "chorebot";
const forms = (s: string) => [s, JSON.stringify(s), encodeURIComponent(s), Buffer.from(s).toString("base64"), Buffer.from(s).toString("base64url"), Buffer.from("user:" + s).toString("base64")];
export default defineScript({
  description: ${lit(`rotates ${TOKEN}, ${NUMBER} and ${QUOTED}`)},
  inputs: {
    ${lit(TOKEN)}: string({ description: ${lit(`like ${QUOTED}`)}, default: ${lit(QUOTED)}, choices: [${lit(QUOTED)}, "other"] }),
    seats: int({ default: ${NUMBER} }),
    kind: string({ default: "plain", pattern: /^(plain|${TOKEN})$/ }),
  },
  async run({ inputs, log, counter }) {
    appendFileSync(process.env.SIDE_EFFECTS!, "redaction-sdk\\n");
    const secrets = [process.env.PROD_API_TOKEN!, process.env.NUMERIC_SECRET!, process.env.QUOTED_SECRET!];
    secrets.forEach((secret, k) => forms(secret).forEach((form, i) => {
      console.log("printed " + k + "." + i + ": " + form);
      log("logged " + k + "." + i + ": " + form);
    }));
    counter.set("rows of " + secrets[0], 2);
    counter.set("seats", inputs.seats);
    // Two messages whose sum is the secret: neither alone shows it.
    counter.inc("grown", inputs.seats - 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    counter.inc("grown", 1);
    return { [secrets[0]]: "a key", seats: inputs.seats, larger: inputs.seats * 10 + 1, quoted: secrets[2], nested: [{ json: JSON.stringify({ q: secrets[2] }) }] };
  },
});
`;

/** Fails with a reason holding the secrets escaped, encoded and as a number. */
const FAIL_SCRIPT = `import { appendFileSync } from "node:fs";
import { defineScript } from "chorebot";
export default defineScript({
  async run({ fail }) {
    appendFileSync(process.env.SIDE_EFFECTS!, "redaction-fail\\n");
    const q = process.env.QUOTED_SECRET!;
    fail("gave up on " + JSON.stringify({ q }) + " at " + encodeURIComponent(q) + " with " + Buffer.from(process.env.PROD_API_TOKEN!).toString("base64url") + " after " + process.env.NUMERIC_SECRET);
  },
});
`;

/** Does not bundle: esbuild's error quotes the line, where the secret is written JSON-escaped. */
const BUNDLE_SCRIPT = `const quoted = ${lit(QUOTED)} +;
console.log(quoted, ${lit(TOKEN)}, ${NUMBER});
`;

/** Bundles, but its definition is unreadable: the problems quote the secrets. */
const DEFINITION_SCRIPT = `import { defineScript, string } from "chorebot";
export default defineScript({
  concurrency: ${lit(QUOTED)},
  inputs: { ${lit(TOKEN)}: string({ default: process.env.HOME }) },
  async run() {},
});
`;

const PATHS = {
  sdk: "scripts/redaction-sdk.ts",
  fail: "scripts/redaction-fail.ts",
  bundle: "scripts/redaction-bundle.ts",
  definition: "scripts/redaction-definition.ts",
} as const;

let h: Harness;
let merged: MergeResult;
const results: Record<string, CleanupResult> = {};
const runIds = () => Object.values(PATHS).map((path) => merged.runIds[path]!);

beforeAll(async () => {
  receiver.listen(0, "127.0.0.1");
  await once(receiver, "listening");
  const { port } = receiver.address() as { port: number };
  h = await startHarness({
    env: {
      SCRIPT_ENV: "SIDE_EFFECTS,PROD_API_TOKEN,BEACON,NUMERIC_SECRET,QUOTED_SECRET",
      NUMERIC_SECRET: NUMBER,
      QUOTED_SECRET: QUOTED,
      RESULT_WEBHOOK_URL: `http://127.0.0.1:${port}/results`,
      RESULT_WEBHOOK_SECRET: "e2e-result-secret",
    },
  });
  expect(h.env.PROD_API_TOKEN).toBe(TOKEN);
  merged = await h.mergeAndPush({
    [PATHS.sdk]: SDK_SCRIPT,
    [PATHS.fail]: FAIL_SCRIPT,
    [PATHS.bundle]: BUNDLE_SCRIPT,
    [PATHS.definition]: DEFINITION_SCRIPT,
  });
  for (const path of Object.values(PATHS)) results[path] = await h.waitForRun(merged.runIds[path]!);
}, 90_000);
afterAll(async () => {
  await h?.close();
  receiver.close();
});

describe("secrets a script prints, logs, counts, returns, fails with or declares", () => {
  it("are nowhere in the committed run logs, which say [REDACTED] instead", async () => {
    expect(Object.fromEntries(Object.entries(results).map(([path, r]) => [path, r.status]))).toEqual({
      [PATHS.sdk]: "succeeded",
      [PATHS.fail]: "failed",
      [PATHS.bundle]: "failed",
      [PATHS.definition]: "failed",
    });
    for (const [path, result] of Object.entries(results)) {
      const text = (await h.gh.readFile("main", result.logPath))!;
      expect(text, `${path}'s log is committed`).toBeDefined();
      expectNoSecrets(text, `the run log of ${path}`);
      expect(text).toContain("[REDACTED]");
    }
    const sdk = parseRunLog((await h.gh.readFile("main", results[PATHS.sdk]!.logPath))!);
    expect(sdk.frontMatter).toMatchObject({
      inputs: { "[REDACTED]": "[REDACTED]", seats: "[REDACTED]", kind: "plain" },
      counters: { "rows of [REDACTED]": 2, seats: "[REDACTED]", grown: "[REDACTED]" },
      result: { "[REDACTED]": "a key", seats: "[REDACTED]", larger: "[REDACTED]", quoted: "[REDACTED]", nested: [{ json: '{"q":"[REDACTED]"}' }] },
    });
    // Every printed and logged form was replaced, not dropped.
    for (let k = 0; k < 3; k++) {
      for (let i = 0; i < 5; i++) {
        // JSON.stringify adds the quotes around it.
        const redacted = i === 1 ? '"\\[REDACTED\\]"' : "\\[REDACTED\\]";
        expect(sdk.body).toMatch(new RegExp(`stdout \\| printed ${k}\\.${i}: ${redacted}$`, "m"));
        expect(sdk.body).toMatch(new RegExp(`log \\| logged ${k}\\.${i}: ${redacted}$`, "m"));
      }
      // user:<secret> in base64: only what encodes "user:" and the bits the secret shares with its neighbours is left.
      expect(sdk.body).toMatch(new RegExp(`stdout \\| printed ${k}\\.5: dXNlcj[A-Za-z0-9+/]\\[REDACTED\\][A-Za-z0-9+/]{0,3}=*$`, "m"));
    }
    const fail = parseRunLog((await h.gh.readFile("main", results[PATHS.fail]!.logPath))!);
    expect(fail.frontMatter.message).toBe('gave up on {"q":"[REDACTED]"} at [REDACTED] with [REDACTED] after [REDACTED]');
  });

  it("are nowhere in the pull request's comments or the check runs", async () => {
    const comments = h.gh.comments(merged.number);
    expect(comments).toHaveLength(1); // one comment per pull request, a section per run
    for (const path of Object.values(PATHS)) expect(comments[0]!.body).toContain(path);
    expectNoSecrets(JSON.stringify(comments), "the pull request's comments");
    const checkRuns = h.gh.checkRuns();
    expect(checkRuns.length).toBeGreaterThanOrEqual(4);
    expectNoSecrets(JSON.stringify(checkRuns), "the check runs");
    expect(JSON.stringify(comments)).toContain("[REDACTED]");
  });

  it("are nowhere in the jobs the dashboard shows: data, return values, failures, progress and job logs", async () => {
    for (const runId of runIds()) {
      for (const name of ["process", "execute", "cleanup"] as const) {
        const queue = h.queues[name];
        const job: Job | undefined = await queue.getJob(runId);
        expect(job, `${name} job ${runId}`).toBeDefined();
        const { data, returnvalue, failedReason, stacktrace, progress } = job!;
        expectNoSecrets(JSON.stringify({ data, returnvalue, failedReason, stacktrace, progress }), `the ${name} job ${runId}`);
        expectNoSecrets(JSON.stringify(await queue.getJobLogs(runId)), `the ${name} job logs of ${runId}`);
      }
    }
    const processed = await h.queues.process.getJob(merged.runIds[PATHS.sdk]!);
    expect(processed!.returnvalue.description).toMatchObject({
      description: "rotates [REDACTED], [REDACTED] and [REDACTED]",
      inputs: {
        "[REDACTED]": { description: "like [REDACTED]", default: "[REDACTED]", choices: ["[REDACTED]", "other"] },
        seats: { default: "[REDACTED]" },
        kind: { pattern: "^(plain|[REDACTED])$" },
      },
    });
    const executeLogs = (await h.queues.execute.getJobLogs(merged.runIds[PATHS.sdk]!)).logs;
    expect(executeLogs).toContain("logged 0.0: [REDACTED]");
  });

  it("are nowhere in /api/runs", async () => {
    for (const runId of runIds()) {
      const response = await fetch(`${h.appUrl}/api/runs/${encodeURIComponent(runId)}`, { headers: auth });
      expect(response.status).toBe(200);
      expectNoSecrets(await response.text(), `/api/runs/${runId}`);
    }
    const list = await fetch(`${h.appUrl}/api/runs`, { headers: auth });
    expect(list.status).toBe(200);
    expectNoSecrets(await list.text(), "/api/runs");
    const sdk = (await (await fetch(`${h.appUrl}/api/runs/${encodeURIComponent(merged.runIds[PATHS.sdk]!)}`, { headers: auth })).json()) as Record<
      string,
      unknown
    >;
    expect(sdk).toMatchObject({ counters: { seats: "[REDACTED]" }, result: { seats: "[REDACTED]" } });
  });

  it("are nowhere in /metrics or the result webhook's deliveries", async () => {
    const metrics = await fetch(`${h.appUrl}/metrics`, { headers: METRICS_AUTH });
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toContain('script="scripts/redaction-sdk.ts"');
    expectNoSecrets(text, "/metrics");

    const ours = received.filter((body) => runIds().includes(JSON.parse(body).run_id));
    expect(ours).toHaveLength(4);
    for (const body of ours) expectNoSecrets(body, "a result webhook delivery");
  });
});
