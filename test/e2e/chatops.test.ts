import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { choreRunId } from "../../src/pipeline/run-id.js";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { BOT_LOGIN } from "../github-stand-in/users.js";
import { pushJobs } from "./push-jobs.js";
import { startHarness, type Harness } from "./harness.js";
import { beaconScript } from "./scripts.js";

// `/chorebot` commands in pull request comments, end to end: the stand-in delivers
// issue_comment webhooks for comments people write; chorebot reacts 👀, answers in one reply
// that its workers edit as the run goes, and the run's log records the comment.

const UNLOCK = "chores/unlock-account.ts";
const SECRET_TOKEN = "tok-secret-98765";

const unlock = `import { appendFileSync } from "node:fs";
import { defineScript, int, string } from "chorebot";
export default defineScript({
  description: "Unlocks a customer's account",
  env: ["SIDE_EFFECTS"],
  inputs: {
    account: string({ pattern: /^acct_[0-9]+$/, description: "the account id" }),
    reason: string({ choices: ["fraud-cleared", "support"], default: "support" }),
    attempts: int({ min: 1, max: 5, default: 3 }),
    token: string({ secret: true, optional: true }),
  },
  async run({ inputs, log, progress }) {
    appendFileSync(process.env.SIDE_EFFECTS!, "unlock\\n");
    progress({ done: 1, total: 1 });
    console.log("working on " + inputs.account);
    log("unlocked " + inputs.account + " for " + inputs.reason);
    return { account: inputs.account, attempts: inputs.attempts };
  },
});
`;

let h: Harness;
let redis: Redis;
let pr: number;

const { finished: pushJob, close: closePushJobs } = pushJobs(() => h);

/** chorebot's replies on the pull request, oldest first. */
function replies(): { id: number; body: string }[] {
  return h.gh.comments(pr).filter((comment) => comment.user === BOT_LOGIN);
}

function replyBody(id: number): string {
  return h.gh.comments(pr).find((comment) => comment.id === id)!.body;
}

/** `login` comments `body` on the pull request and GitHub delivers it; resolves with the comment's id, the payload and chorebot's new replies. */
async function command(login: string, body: string) {
  const before = replies().length;
  const { id, payload } = h.gh.commentAs(login, pr, body);
  const delivery = await h.deliver("issue_comment", payload);
  expect(delivery.status).toBe(200);
  return { id, payload, added: replies().slice(before) };
}

function eyesOn(commentId: number): string[] {
  return h.gh
    .reactions(commentId)
    .filter((reaction) => reaction.content === "eyes")
    .map((reaction) => reaction.user);
}

/** Resolves once `check` holds of what the stand-in has (its state changes as the workers' edits arrive), within 20 s. */
async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const runIdOf = (commentId: number, chore: string) => choreRunId({ owner: h.gh.owner, repo: h.gh.repo, name: chore, requestKey: `comment-${commentId}` });

beforeAll(async () => {
  h = await startHarness({ chores: true });
  redis = new Redis(h.redis.url);
  h.beacon.answer("slow", "hang");
  const merge = await h.mergeAndPush({ [UNLOCK]: unlock, "chores/slow.ts": beaconScript("slow") });
  await Promise.all([pushJob(h.queues.index, merge.after), pushJob(h.queues.discover, merge.after)]);
  ({ number: pr } = await h.gh.openPullRequest({ files: { "docs/plan.md": "the plan\n" }, author: "alice" }));
});

afterAll(async () => {
  redis?.disconnect();
  await closePushJobs();
  await h?.close();
});

describe("/chorebot run", () => {
  it("runs a permitted user's command once: 👀, one reply edited to the outcome with the log, and the log records the comment", async () => {
    const { id, payload, added } = await command("alice", 'Unlocking now.\n\n/chorebot run unlock-account account=acct_42 reason="fraud-cleared"');
    expect(eyesOn(id)).toEqual([BOT_LOGIN]);
    expect(added).toHaveLength(1);
    const reply = added[0]!;
    const runId = runIdOf(id, "unlock-account");
    expect(reply.body).toContain(runId);

    const result = await h.waitForRun(runId);
    expect(result.status).toBe("succeeded");
    expect(await h.timesRan("unlock")).toBe(1);
    const final = replyBody(reply.id);
    expect(final).toContain("`succeeded`");
    expect(final).toContain("unlocked acct_42 for fraud-cleared");
    expect(final).toContain('"account": "acct_42"');
    expect(final).toContain(`](${h.gh.baseUrl.replace(/\/api\/v3$/, "")}/${h.gh.owner}/${h.gh.repo}/blob/`);
    expect(final).toContain(result.logPath.replace(/_/g, "\\_"));
    expect(replies().length).toBeGreaterThan(0);

    const { frontMatter } = parseRunLog((await h.gh.readFile(h.gh.defaultBranch, result.logPath))!);
    const comment = payload.comment as { html_url: string };
    expect(frontMatter).toMatchObject({
      status: "succeeded",
      trigger: "comment",
      requested_by: "alice",
      chore: "unlock-account",
      comment_url: comment.html_url,
      inputs: { account: "acct_42", reason: "fraud-cleared", attempts: 3 },
    });

    // Delivered again, even once Redis forgot it (its 👀 says it was taken), or edited: nothing runs, nothing is said.
    const jobs = await h.jobCount();
    const count = replies().length;
    expect((await h.deliver("issue_comment", payload)).status).toBe(200);
    await redis.del(`{chorebot}:command:${id}`);
    expect((await h.deliver("issue_comment", payload)).status).toBe(200);
    const edited = h.gh.editCommentAs("alice", id, "/chorebot run unlock-account account=acct_43");
    expect((await h.deliver("issue_comment", edited)).status).toBe(200);
    expect(replies()).toHaveLength(count);
    expect(await h.jobCount()).toBe(jobs);
    expect(await h.timesRan("unlock")).toBe(1);
    expect(eyesOn(id)).toEqual([BOT_LOGIN]);
  });

  it("two deliveries of one comment at once: one run, one reply", async () => {
    const before = replies().length;
    const { id, payload } = h.gh.commentAs("alice", pr, "/chorebot run unlock-account account=acct_7");
    const answers = await Promise.all([h.deliver("issue_comment", payload), h.deliver("issue_comment", payload)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(replies().length - before).toBe(1);
    expect((await h.waitForRun(runIdOf(id, "unlock-account"))).status).toBe("succeeded");
    expect(await h.timesRan("unlock")).toBe(2);
  });

  it("a reply GitHub will not let it edit (403) never fails the run, nor makes a second reply", async () => {
    h.gh.failNext({ method: "PATCH", path: /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/\d+$/, status: 403, times: 2 });
    const { id, added } = await command("alice", "/chorebot run unlock-account account=acct_9");
    const count = replies().length;
    const result = await h.waitForRun(runIdOf(id, "unlock-account"));
    expect(result.status).toBe("succeeded");
    expect(result.commit).not.toBeNull();
    expect(await h.gh.readFile(h.gh.defaultBranch, result.logPath)).toContain("acct_9");
    expect(replies()).toHaveLength(count);
    expect(replyBody(added[0]!.id)).toContain("`queued`");
    const refused = h.gh.requests.filter((r) => r.method === "PATCH" && r.path === `/repos/${h.gh.owner}/${h.gh.repo}/issues/comments/${added[0]!.id}`);
    expect(refused.map((r) => r.status)).toEqual([403, 403]);
  });

  it("refuses a read-only user by reply, and runs nothing", async () => {
    h.gh.setPermission("carol", "read");
    const jobs = await h.jobCount();
    const { id, added } = await command("carol", "/chorebot run unlock-account account=acct_1");
    expect(eyesOn(id)).toEqual([BOT_LOGIN]);
    expect(added).toHaveLength(1);
    expect(added[0]!.body).toMatch(/carol has read permission .*needs write or above/);
    expect(added[0]!.body).toContain("Nothing was run");
    // One reply, never edited: no "queued" was shown first.
    expect(h.gh.requests.some((r) => r.method === "PATCH" && r.path.endsWith(`/issues/comments/${added[0]!.id}`))).toBe(false);
    expect(await h.jobCount()).toBe(jobs);
  });

  it("ignores a bot's comment, a quoted or fenced command and one that is not at a line's start", async () => {
    const jobs = await h.jobCount();
    const count = replies().length;
    const bot = await command("dependabot[bot]", "/chorebot run unlock-account account=acct_1");
    const quoted = await command("alice", "> /chorebot run unlock-account account=acct_1\n\nWhy did this run?");
    const fenced = await command("alice", "Try:\n```\n/chorebot run unlock-account account=acct_1\n```");
    const inline = await command("alice", "you could say /chorebot run unlock-account account=acct_1");
    for (const { id } of [bot, quoted, fenced, inline]) expect(h.gh.reactions(id)).toEqual([]);
    expect(replies()).toHaveLength(count);
    expect(await h.jobCount()).toBe(jobs);
  });

  it("answers bad inputs with each field's message, and never takes a secret in a comment", async () => {
    const jobs = await h.jobCount();
    const bad = await command("alice", "/chorebot run unlock-account account=bob attempts=9 colour=red");
    const body = bad.added[0]!.body;
    expect(body).toMatch(/`account` must match/);
    expect(body).toMatch(/`attempts` .*between 1 and 5|`attempts` .*5/);
    expect(body).toMatch(/`colour` is not an input of this chore/);

    const secret = await command("alice", `/chorebot run unlock-account account=acct_1 token=${SECRET_TOKEN}`);
    expect(secret.added[0]!.body).toMatch(/`token` is secret: never give it in a comment/);
    expect(secret.added[0]!.body).not.toContain(SECRET_TOKEN);

    const malformed = await command("alice", '/chorebot run unlock-account reason="unclosed');
    expect(malformed.added[0]!.body).toContain("A double quote is not closed");
    expect(malformed.added[0]!.body).toContain("/chorebot run <chore>");
    const unknown = await command("alice", "/chorebot deploy production");
    expect(unknown.added[0]!.body).toContain('There is no command "deploy"');
    const huge = await command("alice", `/chorebot run unlock-account account=acct_1 note=${"x".repeat(9000)}`);
    expect(huge.added[0]!.body).toMatch(/takes at most 8192/);
    expect(await h.jobCount()).toBe(jobs);
  });
});

describe("named runs, status and cancel", () => {
  it("refuses a second run with a taken name, naming the first; status and cancel find it by name", async () => {
    const first = await command("alice", "/chorebot run slow --name nightly-1");
    const runId = runIdOf(first.id, "slow");
    await h.beacon.next("slow");
    await until("the reply says running", () => replyBody(first.added[0]!.id).includes("`running`"));

    const second = await command("alice", "/chorebot run slow --name NIGHTLY-1");
    expect(second.added[0]!.body).toContain(`taken in ${h.gh.owner}/${h.gh.repo} by run ${runId} (running)`);
    expect(await h.timesRan("slow")).toBe(1);

    const status = await command("carol", "/chorebot status nightly-1");
    expect(status.added[0]!.body).toContain(runId);
    expect(status.added[0]!.body).toContain("`running`");
    const none = await command("alice", "/chorebot status widgets-chore-x-000000000000");
    expect(none.added[0]!.body).toContain("There is no run widgets-chore-x-000000000000 here");

    const refused = await command("carol", "/chorebot cancel nightly-1");
    expect(refused.added[0]!.body).toMatch(/cancelling its chores needs write/);
    const cancel = await command("alice", `/chorebot cancel ${runId}`);
    expect(cancel.added[0]!.body).toContain("is being stopped");
    const result = await h.waitForRun(runId);
    expect(result.status).toBe("cancelled");
    expect(replyBody(first.added[0]!.id)).toContain("`cancelled`");
    expect(replyBody(first.added[0]!.id)).toContain("cancelled by alice");
  });

  it("help lists the chores with their inputs", async () => {
    const { added } = await command("carol", "/chorebot help");
    const body = added[0]!.body;
    expect(body).toContain("**unlock-account** — Unlocks a customer's account");
    expect(body).toContain("`account` (string, required): the account id");
    expect(body).toContain("`attempts` (int, default `3`)");
    expect(body).toMatch(/`token` \(string, optional, secret: give it on the chores page/);
    expect(body).toContain("**slow**");
  });
});
