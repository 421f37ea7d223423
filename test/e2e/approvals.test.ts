import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BOT_LOGIN } from "../github-stand-in/users.js";
import { pushJobs } from "./push-jobs.js";
import { startHarness, type Harness } from "./harness.js";
import { apiRun, decide, executeEvents, runRecord } from "./workflow-scripts.js";

// Approval at run time, end to end: a chore declaring `approval: { count: 1 }`, started
// through the API, waits before anything of it runs; its requester may not approve it; another
// writer's approval, through the API or a `/chorebot approve` comment, makes it run, and its
// committed log names who asked and who approved.

const CHORE = "deploy-guarded";
const SOURCE = `import { appendFileSync } from "node:fs";
import { defineScript, string } from "chorebot";
export default defineScript({
  description: "Deploys, once someone else said yes",
  env: ["SIDE_EFFECTS"],
  approval: { count: 1, timeout: "1h" },
  inputs: { target: string({ default: "prod" }) },
  async run({ inputs, log }) {
    appendFileSync(process.env.SIDE_EFFECTS!, "guarded\\n");
    log("deployed to " + inputs.target);
  },
});
`;

// A workflow step that waits on an approving review of the pull request its input names.
const REVIEWED = "wait-review";
const REVIEWED_SOURCE = `import { appendFileSync } from "node:fs";
import { defineWorkflow, int, step } from "chorebot";
export default defineWorkflow({
  env: ["SIDE_EFFECTS"],
  inputs: { pr: int() },
  state: (inputs) => ({ pr: inputs.pr }),
  steps: [
    step({
      name: "await-review",
      async run(state, { waitFor }) {
        const review = await waitFor("reviewed", { timeout: "1h", pullRequest: state.pr });
        appendFileSync(process.env.SIDE_EFFECTS!, "reviewed " + JSON.stringify(review) + "\\n");
      },
    }),
  ],
});
`;

let h: Harness;
let events: Awaited<ReturnType<typeof executeEvents>>;
let pr: number;
const { finished: pushJob, close: closePushJobs } = pushJobs(() => h);

/** Starts the chore through the API as `login`; resolves with its run id once its execute job is parked. */
async function startParked(login: string, target: string, chore = CHORE, inputs: Record<string, unknown> = { target }): Promise<string> {
  const answer = await fetch(`${h.appUrl}/api/chores/${h.gh.owner}/${h.gh.repo}/${chore}/runs`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${h.gh.personalToken(login)}` },
    body: JSON.stringify({ inputs }),
  });
  expect(answer.status).toBe(202);
  const { run } = (await answer.json()) as { run: string };
  await events.delayed(run);
  return run;
}

beforeAll(async () => {
  h = await startHarness({ chores: true });
  events = await executeEvents(h);
  const merge = await h.mergeAndPush({ [`chores/${CHORE}.ts`]: SOURCE, [`chores/${REVIEWED}.ts`]: REVIEWED_SOURCE });
  await Promise.all([pushJob(h.queues.index, merge.after), pushJob(h.queues.discover, merge.after)]);
  for (const login of ["wendy", "bob"]) h.gh.setPermission(login, "write");
  h.gh.setPermission("rita", "read");
  ({ number: pr } = await h.gh.openPullRequest({ files: { "docs/deploy.md": "the deploy\n" }, author: "alice" }));
}, 120_000);

afterAll(async () => {
  await events?.close();
  await closePushJobs();
  await h?.close();
});

describe("a chore that needs an approval", () => {
  it("waits; its requester's and a reader's approvals are refused and nothing runs; another writer's approval runs it, logged", async () => {
    const runId = await startParked("wendy", "eu");
    expect(await apiRun(h, runId)).toMatchObject({ status: "waiting" });
    expect(await h.timesRan("guarded")).toBe(0);

    const own = await decide(h, runId, "approve", h.gh.personalToken("wendy"));
    expect(own).toMatchObject({ status: 403, body: { refusal: "own_request" } });
    const reader = await decide(h, runId, "approve", h.gh.personalToken("rita"));
    expect(reader).toMatchObject({ status: 403, body: { refusal: "forbidden", permission: "read" } });
    expect(await apiRun(h, runId)).toMatchObject({ status: "waiting" });
    expect(await h.timesRan("guarded")).toBe(0);

    const approved = await decide(h, runId, "approve", h.gh.personalToken("bob"));
    expect(approved).toMatchObject({ status: 202, body: { run: runId, moves: true, decision: { kind: "approve", by: "bob", via: "api" } } });
    const recorded = await h.waitForRun(runId);
    expect(recorded.status).toBe("succeeded");
    expect(await h.timesRan("guarded")).toBe(1);
    const { log } = await runRecord(h, runId, recorded.logPath);
    expect(log.frontMatter).toMatchObject({ status: "succeeded", requested_by: "wendy" });
    expect(log.frontMatter.decisions).toEqual([expect.objectContaining({ kind: "approve", by: "bob", via: "api" })]);
    expect(log.body).toContain("deployed to eu");
    // Decided once: a late approval or rejection changes nothing.
    expect((await decide(h, runId, "reject", h.gh.personalToken("wendy"))).status).toBe(409);
    expect(await h.timesRan("guarded")).toBe(1);
  }, 120_000);

  it("runs once another writer approves it in a /chorebot comment; the requester's comment is refused in its reply", async () => {
    const runId = await startParked("wendy", "us");
    const before = await h.timesRan("guarded");
    const refused = await comment("wendy", `/chorebot approve ${runId}`);
    expect(refused).toContain("you asked for this run, so you cannot approve it");
    const taken = await comment("bob", `Looks right.\n\n/chorebot approve ${runId}`);
    expect(taken).toContain("approved (1 of 1): the run starts");
    const recorded = await h.waitForRun(runId);
    expect(recorded.status).toBe("succeeded");
    expect(await h.timesRan("guarded")).toBe(before + 1);
    const { log } = await runRecord(h, runId, recorded.logPath);
    expect(log.frontMatter).toMatchObject({ requested_by: "wendy" });
    expect(log.frontMatter.decisions).toEqual([expect.objectContaining({ kind: "approve", by: "bob", via: "comment" })]);
  }, 120_000);

  it("a rejection cancels it: nothing of it runs", async () => {
    const runId = await startParked("wendy", "ap");
    const before = await h.timesRan("guarded");
    const rejected = await decide(h, runId, "reject", h.gh.personalToken("bob"));
    expect(rejected).toMatchObject({ status: 202, body: { decision: { kind: "reject", by: "bob" } } });
    const recorded = await h.waitForRun(runId);
    expect(recorded.status).toBe("cancelled");
    expect(await h.timesRan("guarded")).toBe(before);
    expect((await decide(h, runId, "approve", h.gh.personalToken("bob"))).status).toBe(409);
  }, 120_000);
});

describe("a step waiting on a pull request's approving review", () => {
  it("goes on with the review of a writer who approves; a comment, a bot's or a reader's approval do nothing; a redelivery nothing more", async () => {
    const runId = await startParked("wendy", "", REVIEWED, { pr });
    const review = (login: string, state: string, type = "User") => {
      const payload = h.gh.pullRequestPayload({ number: pr, action: "opened" }) as Record<string, any>;
      const user = { ...payload.sender, login, type };
      const html = `${payload.pull_request.html_url}#pullrequestreview-${Math.floor(Math.random() * 1e9)}`;
      return {
        action: "submitted",
        review: { id: 1, state, user, html_url: html, body: null },
        pull_request: payload.pull_request,
        repository: payload.repository,
        installation: payload.installation,
        sender: user,
      };
    };
    for (const [login, state, type] of [
      ["bob", "commented"],
      ["deploy-robot[bot]", "approved", "Bot"],
      ["rita", "approved"],
    ] as const) {
      expect((await h.deliver("pull_request_review", review(login, state, type))).status).toBe(200);
    }
    expect(await apiRun(h, runId)).toMatchObject({ status: "waiting", waiting: { signal: "reviewed", pull_request: pr } });
    const approving = review("bob", "approved");
    expect((await h.deliver("pull_request_review", approving)).status).toBe(200);
    const recorded = await h.waitForRun(runId);
    expect(recorded.status).toBe("succeeded");
    expect((await h.deliver("pull_request_review", approving)).status).toBe(200);
    const reviewed = (await h.executions()).filter((line) => line.startsWith("reviewed "));
    expect(reviewed).toEqual([`reviewed ${JSON.stringify({ by: "bob", review: approving.review.html_url, pullRequest: pr })}`]);
    const { log } = await runRecord(h, runId, recorded.logPath);
    expect(log.frontMatter.decisions).toEqual([expect.objectContaining({ kind: "signal", signal: "reviewed", by: "bob", via: "review" })]);
  }, 120_000);
});

/** `login` comments `body` on the pull request and GitHub delivers it; resolves with chorebot's reply. */
async function comment(login: string, body: string): Promise<string> {
  const replies = () => h.gh.comments(pr).filter((c) => c.user === BOT_LOGIN);
  const before = replies().length;
  const { payload } = h.gh.commentAs(login, pr, body);
  expect((await h.deliver("issue_comment", payload)).status).toBe(200);
  const added = replies().slice(before);
  expect(added).toHaveLength(1);
  return added[0]!.body;
}
