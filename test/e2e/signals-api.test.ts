import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BODY_LIMIT } from "../../src/http/body-limits.js";
import { pushJobs } from "./push-jobs.js";
import { DASHBOARD, startHarness, type Harness } from "./harness.js";
import { apiRun, decide, executeEvents, marks, runRecord, workflowScript } from "./workflow-scripts.js";

// The decisions API against the real app: what is refused (and changes nothing), then the one
// signal that is taken, its payload reaching the step; two approvals at once, one taken.

const WAITS = "wait-deploy";
const waits = workflowScript(
  WAITS,
  `steps: [
    step({
      name: "deploy",
      async run(state, { waitFor }) {
        const answer = await waitFor("deployed", { timeout: "1h" });
        mark("deployed " + JSON.stringify(answer));
        console.log("the deploy said " + JSON.stringify(answer));
      },
    }),
  ],`,
);
const GUARDED = `import { appendFileSync } from "node:fs";
import { defineScript } from "chorebot";
export default defineScript({
  env: ["SIDE_EFFECTS"],
  approval: { count: 1 },
  async run() {
    appendFileSync(process.env.SIDE_EFFECTS!, "guarded-once\\n");
  },
});
`;

let h: Harness;
let events: Awaited<ReturnType<typeof executeEvents>>;
const { finished: pushJob, close: closePushJobs } = pushJobs(() => h);
const token = (login: string) => h.gh.personalToken(login);

async function startParked(chore: string, login: string): Promise<string> {
  const answer = await fetch(`${h.appUrl}/api/chores/${h.gh.owner}/${h.gh.repo}/${chore}/runs`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token(login)}` },
    body: JSON.stringify({ inputs: {} }),
  });
  expect(answer.status).toBe(202);
  const { run } = (await answer.json()) as { run: string };
  await events.delayed(run);
  return run;
}

function post(path: string, headers: Record<string, string>, body?: string): Promise<Response> {
  return fetch(`${h.appUrl}/api/runs/${path}`, { method: "POST", headers, ...(body === undefined ? {} : { body }) });
}

beforeAll(async () => {
  h = await startHarness({ chores: true });
  events = await executeEvents(h);
  const merge = await h.mergeAndPush({ [`chores/${WAITS}.ts`]: waits, "chores/guarded.ts": GUARDED });
  await Promise.all([pushJob(h.queues.index, merge.after), pushJob(h.queues.discover, merge.after)]);
  for (const login of ["wendy", "bob", "carol"]) h.gh.setPermission(login, "write");
  h.gh.setPermission("rita", "read");
  h.gh.setPermission("nina", "none");
}, 120_000);

afterAll(async () => {
  await events?.close();
  await closePushJobs();
  await h?.close();
});

describe("POST /api/runs/<run>/signals/<name> and the other decisions", () => {
  it("refuses what does not fit the run, the person or the limits, changing nothing; then takes the one signal, once", async () => {
    const runId = await startParked(WAITS, "wendy");
    expect(await apiRun(h, runId)).toMatchObject({ status: "waiting" });
    const json = { "content-type": "application/json", authorization: `Bearer ${token("bob")}` };
    const refusals: [string, Promise<Response>, number, string?][] = [
      ["another signal", post(`${runId}/signals/rolled-out`, json, "{}"), 409, "other_signal"],
      ["an approval", post(`${runId}/approve`, json), 409, "other_signal"],
      ["a Resume of a waiting run", post(`${runId}/resume`, json), 409, "not_interrupted"],
      ["a Roll back of a waiting run", post(`${runId}/rollback`, json), 409, "not_interrupted"],
      ["a payload over the limit", post(`${runId}/signals/deployed`, json, JSON.stringify({ log: "x".repeat(BODY_LIMIT) })), 413],
      ["a body that is not JSON", post(`${runId}/signals/deployed`, json, "{deployed: yes"), 400],
      ["a reader", post(`${runId}/signals/deployed`, { ...json, authorization: `Bearer ${token("rita")}` }, "{}"), 403, "forbidden"],
      ["someone who cannot see it", post(`${runId}/signals/deployed`, { ...json, authorization: `Bearer ${token("nina")}` }, "{}"), 404],
      ["a token GitHub rejects", post(`${runId}/signals/deployed`, { ...json, authorization: "Bearer ghp_not-a-real-token" }, "{}"), 401],
      ["no credentials", post(`${runId}/signals/deployed`, { "content-type": "application/json" }, "{}"), 401],
      ["the dashboard's login", post(`${runId}/signals/deployed`, { ...json, authorization: basic() }, "{}"), 403],
      ["an unknown run", post("no-such-run/signals/deployed", json, "{}"), 404],
    ];
    for (const [what, answer, status, refusal] of refusals) {
      const res = await answer;
      expect(res.status, what).toBe(status);
      if (refusal !== undefined) expect(await res.json(), what).toMatchObject({ refusal });
    }
    expect(await apiRun(h, runId)).toMatchObject({ status: "waiting" });
    expect(await marks(h, WAITS)).toEqual([]);

    const payload = { version: "1.4.2", healthy: true };
    const taken = await decide(h, runId, "signals/deployed", token("bob"), payload);
    expect(taken).toMatchObject({ status: 202, body: { decision: { kind: "signal", signal: "deployed", by: "bob", via: "api" }, moves: true } });
    const again = await decide(h, runId, "signals/deployed", token("carol"), { version: "9" });
    // Refused as decided, or as no longer parked once the worker took the run on.
    expect(again.status).toBe(409);
    expect(["decided", "not_parked"]).toContain(again.body.refusal);
    const recorded = await h.waitForRun(runId);
    expect(recorded.status).toBe("succeeded");
    expect(await marks(h, WAITS)).toEqual([`deployed ${JSON.stringify(payload)}`]);
    const { log } = await runRecord(h, runId, recorded.logPath);
    expect(log.frontMatter.decisions).toEqual([expect.objectContaining({ kind: "signal", by: "bob" })]);
  }, 120_000);

  it("takes one of two approvals sent at once: the run starts once", async () => {
    const runId = await startParked("guarded", "wendy");
    const answers = await Promise.all(["bob", "carol"].map((login) => decide(h, runId, "approve", token(login))));
    expect(answers.map((answer) => answer.status).sort()).toEqual([202, 409]);
    expect(["decided", "not_parked"]).toContain(answers.find((answer) => answer.status === 409)?.body.refusal);
    const recorded = await h.waitForRun(runId);
    expect(recorded.status).toBe("succeeded");
    expect(await h.timesRan("guarded-once")).toBe(1);
  }, 120_000);
});

function basic(): string {
  return `Basic ${Buffer.from(`${DASHBOARD.user}:${DASHBOARD.password}`).toString("base64")}`;
}
