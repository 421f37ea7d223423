import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { tokenHeader } from "../github-stand-in/test-client.js";
import { runChorebot } from "./chorebot-process.js";
import { pushJobs } from "./push-jobs.js";
import { DASHBOARD, startHarness, type Harness } from "./harness.js";

// The API for automation, end to end: a chore merged through a reviewed pull request, started
// over HTTP with a GitHub user token (the stand-in's GET /user says whose), judged by that
// user's role, followed as server-sent events, found by its name, and driven by the CLI.

const PATH = "chores/billing/unlock-account.ts";
const CHORE = "billing/unlock-account";
const SOURCE = `import { appendFileSync } from "node:fs";
import { bool, defineScript, int, string } from "chorebot";
export default defineScript({
  description: "Unlocks a customer's account",
  env: ["SIDE_EFFECTS"],
  inputs: {
    account: string({ pattern: /^acct_[0-9]+$/, description: "the account id" }),
    attempts: int({ min: 1, max: 5, default: 3 }),
    notify: bool({ default: false }),
  },
  async run({ inputs, log, progress }) {
    appendFileSync(process.env.SIDE_EFFECTS!, "api-unlock\\n");
    for (let done = 1; done <= inputs.attempts; done++) progress({ done, total: inputs.attempts });
    console.log("attempts " + inputs.attempts + ", notify " + inputs.notify);
    log("unlocked " + inputs.account);
    return { account: inputs.account };
  },
});
`;

let h: Harness;
let writer: string;
let reader: string;

const { finished: pushJob, close: closePushJobs } = pushJobs(() => h);

function startUrl(chore = CHORE): string {
  return `${h.appUrl}/api/chores/${h.gh.owner}/${h.gh.repo}/${chore}/runs`;
}

function start(token: string | null, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(startUrl(), {
    method: "POST",
    headers: { "content-type": "application/json", ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
    body: JSON.stringify(body),
  });
}

function get(path: string, token: string): Promise<Response> {
  return fetch(`${h.appUrl}${path}`, { headers: { authorization: `token ${token}` } });
}

const basic = { authorization: `Basic ${Buffer.from(`${DASHBOARD.user}:${DASHBOARD.password}`).toString("base64")}` };

/** `chorebot <args>` as automation runs it: the server's address and a user token, nothing else. */
function cli(args: string[], token: string) {
  return runChorebot(args, { env: { CHOREBOT_URL: h.appUrl, GH_TOKEN: token } });
}

beforeAll(async () => {
  h = await startHarness({ chores: true });
  const merge = await h.mergeAndPush({ [PATH]: SOURCE });
  await Promise.all([pushJob(h.queues.index, merge.after), pushJob(h.queues.discover, merge.after)]);
  h.gh.setPermission("wendy", "write");
  h.gh.setPermission("rita", "read");
  writer = h.gh.personalToken("wendy");
  reader = h.gh.personalToken("rita");
});

afterAll(async () => {
  await closePushJobs();
  await h?.close();
});

describe("POST /api/chores/<owner>/<repo>/<chore>/runs", () => {
  it("starts a run for a write user's token, which runs once and logs trigger api", async () => {
    const answer = await start(writer, { inputs: { account: "acct_7", attempts: 2, notify: true } }, { "idempotency-key": "first-start" });
    expect(answer.status).toBe(202);
    const body = (await answer.json()) as { run: string; name: null; status: string; urls: Record<string, string> };
    expect(body).toMatchObject({
      name: null,
      urls: { run: `/api/runs/${body.run}`, events: `/api/runs/${body.run}/events`, page: `/chores/runs/${body.run}` },
    });
    expect(["queued", "waiting", "running"]).toContain(body.status);
    // The same key again is the same run, not a second one.
    const again = await start(writer, { inputs: { account: "acct_7", attempts: 2, notify: true } }, { "idempotency-key": "first-start" });
    expect(((await again.json()) as { run: string }).run).toBe(body.run);

    const result = await h.waitForRun(body.run);
    expect(result.status).toBe("succeeded");
    expect(await h.timesRan("api-unlock")).toBe(1);
    const { frontMatter, body: log } = parseRunLog((await h.gh.readFile(h.gh.defaultBranch, result.logPath))!);
    expect(frontMatter).toMatchObject({
      status: "succeeded",
      trigger: "api",
      requested_by: "wendy",
      chore: CHORE,
      inputs: { account: "acct_7", attempts: 2, notify: true },
    });
    expect(log).toContain("unlocked acct_7");

    const view = await get(`/api/runs/${body.run}`, writer);
    expect(view.status).toBe(200);
    expect(await view.json()).toMatchObject({
      id: body.run,
      status: "succeeded",
      trigger: "api",
      requested_by: "wendy",
      name: null,
      log: { path: result.logPath },
    });
    // A user who cannot read the repository does not see it.
    h.gh.setPermission("nina", "none");
    expect((await get(`/api/runs/${body.run}`, h.gh.personalToken("nina"))).status).toBe(404);
  });

  it("streams a run's progress as server-sent events, to its final status", async () => {
    const answer = await start(writer, { inputs: { account: "acct_8", attempts: 3 } });
    const { run } = (await answer.json()) as { run: string };
    const stream = await get(`/api/runs/${run}/events`, writer);
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
    // The stream ends by itself once the run is final and its log committed.
    const text = await stream.text();
    const parsed = [...text.matchAll(/event: (\w+)\n(?:id: .*\n)?data: (.*)\n\n/g)].map(([, event, data]) => ({ event, data: JSON.parse(data!) }));
    expect(parsed.at(-1)?.event).toBe("end");
    const states = parsed.filter((e) => e.event === "state").map((e) => e.data as Record<string, unknown>);
    expect(states.at(-1)).toMatchObject({ status: "succeeded", final: true });
    expect(states.some((state) => state.log !== undefined && state.log !== null)).toBe(true);
    const lines = parsed.filter((e) => e.event === "output").flatMap((e) => (e.data as { lines: { text: string }[] }).lines.map((line) => line.text));
    expect(lines).toContain("unlocked acct_8");
    // The dashboard's login follows it too.
    const byOperator = await fetch(`${h.appUrl}/api/runs/${run}/events`, { headers: basic });
    expect(await byOperator.text()).toContain("event: end");
  });

  it("refuses a token GitHub rejects (401), an installation token with what to use instead, and no token at all", async () => {
    const jobs = await h.jobCount();
    const bad = await start(`ghp_${"x".repeat(36)}`, { inputs: { account: "acct_1" } });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error: string }).error).toMatch(/GitHub rejected the token/);

    const installationToken = (await tokenHeader(h.gh)).replace(/^token /, "");
    const installation = await start(installationToken, { inputs: { account: "acct_1" } });
    expect(installation.status).toBe(403);
    expect(((await installation.json()) as { error: string }).error).toMatch(/installation token.*personal access token or a GitHub App user token/s);

    expect((await start(null, { inputs: { account: "acct_1" } })).status).toBe(401);
    // The dashboard's login names no GitHub user: not taken to start a chore.
    const operator = await fetch(startUrl(), { method: "POST", headers: { ...basic, "content-type": "application/json" }, body: "{}" });
    expect(operator.status).toBe(401);
    expect(await h.jobCount()).toBe(jobs);
  });

  it("refuses a read-only user (403) and runs nothing", async () => {
    const jobs = await h.jobCount();
    const answer = await start(reader, { inputs: { account: "acct_1" } });
    expect(answer.status).toBe(403);
    expect(await answer.json()).toMatchObject({ permission: "read", required: "write" });
    expect(await h.jobCount()).toBe(jobs);
    // A chore the user may see but not run is still listed to them.
    const listed = await get(`/api/chores/${h.gh.owner}/${h.gh.repo}`, reader);
    expect(await listed.json()).toMatchObject({ can_run: false, chores: [{ name: CHORE }] });
  });

  it("refuses bad inputs with each field's message (422), and runs nothing", async () => {
    const jobs = await h.jobCount();
    const answer = await start(writer, { inputs: { account: "bob", attempts: 9, colour: "red", notify: [true] } });
    expect(answer.status).toBe(422);
    const { errors } = (await answer.json()) as { errors: Record<string, string> };
    expect(Object.keys(errors).sort()).toEqual(["notify"]);
    const second = await start(writer, { inputs: { account: "bob", attempts: 9, colour: "red" } });
    expect(second.status).toBe(422);
    const checked = ((await second.json()) as { errors: Record<string, string> }).errors;
    expect(checked.account).toContain("must match /^acct_[0-9]+$/");
    expect(checked.attempts).toContain("5");
    expect(checked.colour).toBe("is not an input of this chore");
    expect((await start(writer, { inputs: { account: "acct_1" }, name: "no spaces allowed" })).status).toBe(400);
    expect(await h.jobCount()).toBe(jobs);
  });

  it("refuses a second run with a taken name (409, the first run's id and status); both the API and the CLI find the first by name", async () => {
    const name = `nightly-${Date.now()}`;
    const first = await start(writer, { inputs: { account: "acct_9" }, name });
    expect(first.status).toBe(202);
    const { run } = (await first.json()) as { run: string };
    await h.waitForRun(run);

    const jobs = await h.jobCount();
    // Names are case-insensitive.
    const second = await start(writer, { inputs: { account: "acct_10" }, name: name.toUpperCase() });
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ run, status: "succeeded" });
    expect(await h.jobCount()).toBe(jobs);

    const byToken = await get(`/api/runs?name=${name}`, writer);
    expect(await byToken.json()).toMatchObject({ runs: [{ id: run, name, status: "succeeded" }] });
    const byOperator = await fetch(`${h.appUrl}/api/runs?name=${name}&repo=${h.gh.owner}/${h.gh.repo}`, { headers: basic });
    expect(await byOperator.json()).toMatchObject({ runs: [{ id: run, name }] });
    expect(await (await get(`/api/runs?name=${name}`, h.gh.personalToken("nina"))).json()).toEqual({ runs: [] });

    const status = await cli(["status", "--name", name], writer);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ id: run, name, status: "succeeded" });
    const taken = await cli(["chores", "run", `${h.gh.owner}/${h.gh.repo}`, CHORE, "--input", "account=acct_11", "--name", name], writer);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain(`held by run ${run} (succeeded)`);
  });
});

describe("the CLI", () => {
  it("chorebot chores list prints the repository's chores and their inputs", async () => {
    const listed = await cli(["chores", "list", `${h.gh.owner}/${h.gh.repo}`], writer);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${CHORE}  Unlocks a customer's account`);
    expect(listed.stdout).toMatch(/--input account=…\s+string, required, matching \/\^acct_\[0-9\]\+\$\/: the account id/);
    expect(listed.stdout).toContain("--input attempts=…  int, default 3, min 1, max 5");
  });

  it("chorebot chores run --follow prints the run's progress to its end and exits 0", async () => {
    const run = await cli(["chores", "run", `${h.gh.owner}/${h.gh.repo}`, CHORE, "--input", "account=acct_12", "--input", "attempts=4", "--follow"], writer);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const runId = /^run (\S+) /.exec(run.stdout)![1]!;
    expect(run.stdout).toContain("log: unlocked acct_12");
    expect(run.stdout).toContain("progress: 4 of 4");
    expect(run.stdout).toMatch(new RegExp(`run ${runId} succeeded in \\d+\\.\\d s`));
    expect(run.stdout).toMatch(/log: .*logs\/chores\/billing\/unlock-account\//);
  });

  it("says clearly when there is no token, the token is refused, or the server is unreachable", async () => {
    const none = await runChorebot(["chores", "list", `${h.gh.owner}/${h.gh.repo}`], { env: { CHOREBOT_URL: h.appUrl } });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("set GH_TOKEN (or GITHUB_TOKEN)");
    const refused = await runChorebot(["chores", "list", `${h.gh.owner}/${h.gh.repo}`], {
      env: { CHOREBOT_URL: h.appUrl, GITHUB_TOKEN: `ghp_${"y".repeat(36)}` },
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/GitHub rejected the token.*\(the token in GITHUB_TOKEN\)/);
    const away = await runChorebot(["chores", "list", `${h.gh.owner}/${h.gh.repo}`], { env: { CHOREBOT_URL: "http://127.0.0.1:9", GH_TOKEN: writer } });
    expect(away.code).toBe(1);
    expect(away.stderr).toContain("could not reach http://127.0.0.1:9");
  });
});

describe("without the chores pages (no OAuth sign-in settings)", () => {
  let bare: Harness;
  const bareJobs = pushJobs(() => bare);

  beforeAll(async () => {
    bare = await startHarness();
    const merge = await bare.mergeAndPush({ [PATH]: SOURCE });
    await Promise.all([bareJobs.finished(bare.queues.index, merge.after), bareJobs.finished(bare.queues.discover, merge.after)]);
  });
  afterAll(async () => {
    await bareJobs.close();
    await bare?.close();
  });

  it("still serves the API: a run starts with a user token, its answer links no page", async () => {
    const token = bare.gh.personalToken("wendy");
    const answer = await fetch(`${bare.appUrl}/api/chores/${bare.gh.owner}/${bare.gh.repo}/${CHORE}/runs`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ inputs: { account: "acct_3" } }),
    });
    expect(answer.status).toBe(202);
    const { run, urls } = (await answer.json()) as { run: string; urls: Record<string, string> };
    expect(urls).toEqual({ run: `/api/runs/${run}`, events: `/api/runs/${run}/events` });
    expect((await bare.waitForRun(run)).status).toBe("succeeded");
    expect((await fetch(`${bare.appUrl}/chores`)).status).toBe(404);
  });
});
