import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunStatusView } from "../../../src/api/run-status-reader.js";
import { CommandGuard } from "../../../src/chatops/command-guard.js";
import type { ChatOpsDeps } from "../../../src/chatops/handle-issue-comment.js";
import { chorebotApp } from "../../../src/index.js";
import type { ChoreAsk } from "../../../src/pipeline/start-chore.js";
import { choreRunId } from "../../../src/pipeline/run-id.js";
import { DEFAULT_COMMAND_RATE, RequestRate, type RateLimit } from "../../../src/stores/request-rate.js";
import { useRedisClient } from "../../helpers/redis-client.js";
import { testProbot } from "../../helpers/test-probot.js";
import { examplePayload } from "../../helpers/webhook-examples.js";
import { description, entry, indexedChore, repoCatalog } from "../chores/chores-fixtures.js";

const API = "https://api.github.com";
const BOT = "chorebot[bot]";
const SECRET = "tok_live_never-in-a-reply-42";
const REPLY_ID = 777;

const unlock = indexedChore(
  "unlock-account",
  description({
    account: { type: "string", required: true, pattern: "^acct_\\d+$" },
    token: { type: "string", required: false, secret: true },
  }),
);

function comment(body: string, action = "created") {
  const payload = examplePayload("issue_comment", (p) => p.action === action);
  payload.comment.body = body;
  payload.installation = { id: 99, node_id: "IN" };
  return payload;
}

describe("handleIssueComment", () => {
  const redis = useRedisClient();
  let asks: ChoreAsk[];
  let replies: string[];
  let views: Map<string, RunStatusView>;
  let catalogDown: boolean;
  const base = comment("");
  const owner: string = base.repository.owner.login;
  const repo: string = base.repository.name;
  const commentPath = `/repos/${owner}/${repo}/issues/comments/${base.comment.id}`;

  function setup(o: { commandRate?: RateLimit } = {}) {
    const probot = testProbot();
    const deps: ChatOpsDeps = {
      onDemand: {
        start: async (ask) => {
          asks.push(ask);
          return {
            ok: true,
            runId: choreRunId({ owner, repo, name: ask.chore, requestKey: ask.requestKey }),
            catalog: repoCatalog(owner, repo, []),
            chore: unlock,
          };
        },
        catalog: {
          read: async (o: string, r: string) => {
            if (catalogDown) throw new Error("Redis refused the read");
            return o === owner && r === repo ? repoCatalog(owner, repo, [entry(unlock)]) : null;
          },
        } as ChatOpsDeps["onDemand"]["catalog"],
        permission: async () => "write",
        requiredPermission: () => "write",
        names: { find: async () => null } as unknown as ChatOpsDeps["onDemand"]["names"],
      },
      runs: { get: async (runId) => views.get(runId) ?? null },
      cancellations: { request: async () => "running" },
      guard: new CommandGuard(redis(), "{test}", async () => BOT),
      commandRate: new RequestRate(redis(), "{test}", o.commandRate ?? DEFAULT_COMMAND_RATE, "command-rate"),
      runPage: (runId) => `https://chorebot.example/chores/runs/${runId}`,
      choresPage: () => null,
    };
    void probot.load(
      chorebotApp({
        queuePush: async () => "job",
        checks: { scriptCwd: process.cwd(), scriptEnv: [], limits: { minApprovals: 1, maxTimeoutMs: 900_000, minChorePermission: "write" } },
        dashboard: null,
        runsApi: null,
        metrics: null,
        chatOps: deps,
      }),
    );
    return probot;
  }

  /** GitHub as the guard and the replies see it: no reaction yet, then chorebot's; each reply recorded. */
  function github(o: { replyStatus?: number } = {}) {
    nock(API).post("/app/installations/99/access_tokens").times(5).reply(201, { token: "t", expires_at: "2099-01-01T00:00:00Z" });
    nock(API).get(`${commentPath}/reactions`).query(true).reply(200, []);
    nock(API)
      .post(`${commentPath}/reactions`, { content: "eyes" })
      .reply(201, { id: 1, content: "eyes", user: { login: BOT } });
    nock(API)
      .post(`/repos/${owner}/${repo}/issues/${base.issue.number}/comments`)
      .reply(o.replyStatus ?? 201, (_uri: string, body: { body: string }) => {
        replies.push(body.body);
        return { id: REPLY_ID, body: body.body };
      });
  }

  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  beforeEach(async () => {
    await redis().flushall();
    asks = [];
    replies = [];
    views = new Map();
    catalogDown = false;
  });
  afterEach(() => nock.cleanAll());

  it("two deliveries of a real issue_comment.created at once: one run, one reply, the reply's id in the run's request", async () => {
    const probot = setup();
    github();
    const payload = comment("Please:\r\n/chorebot run unlock-account account=acct_1 --name fix-1");
    await Promise.all([probot.receive({ id: "1", name: "issue_comment", payload } as any), probot.receive({ id: "2", name: "issue_comment", payload } as any)]);
    expect(asks).toHaveLength(1);
    expect(asks[0]).toMatchObject({
      owner,
      repo,
      chore: "unlock-account",
      login: payload.comment.user.login,
      values: { account: "acct_1" },
      name: "fix-1",
      trigger: "comment",
      requestKey: `comment-${payload.comment.id}`,
      comment: { url: payload.comment.html_url, issueNumber: payload.issue.number, commentId: payload.comment.id, replyId: REPLY_ID },
    });
    expect(replies).toHaveLength(1);
    const runId = choreRunId({ owner, repo, name: "unlock-account", requestKey: `comment-${payload.comment.id}` });
    expect(replies[0]).toContain(`[\`${runId}\`](https://chorebot.example/chores/runs/${runId})`);
    expect(replies[0]).toContain("`queued`");
    expect(nock.pendingMocks().filter((mock) => !mock.includes("access_tokens"))).toEqual([]);
  });

  it("answers a flood of commands from one person once, then stays silent (no reaction, no reply) until the window ends", async () => {
    const probot = setup({ commandRate: { max: 2, windowMs: 60_000 } });
    nock(API).post("/app/installations/99/access_tokens").times(5).reply(201, { token: "t", expires_at: "2099-01-01T00:00:00Z" });
    nock(API)
      .get(/\/issues\/comments\/\d+\/reactions/)
      .query(true)
      .times(5)
      .reply(200, []);
    let reactions = 0;
    nock(API)
      .post(/\/issues\/comments\/\d+\/reactions/)
      .times(5)
      .reply(201, () => {
        reactions += 1;
        return { id: reactions, content: "eyes", user: { login: BOT } };
      });
    nock(API)
      .post(`/repos/${owner}/${repo}/issues/${base.issue.number}/comments`)
      .times(5)
      .reply(201, (_uri: string, body: { body: string }) => {
        replies.push(body.body);
        return { id: REPLY_ID + replies.length, body: body.body };
      });
    for (let i = 0; i < 5; i++) {
      const payload = comment("/chorebot help");
      payload.comment.id = base.comment.id + 1000 + i;
      await probot.receive({ id: String(i), name: "issue_comment", payload } as any);
    }
    expect(reactions).toBe(3);
    expect(replies).toHaveLength(3);
    expect(replies[2]).toMatch(/too many \/chorebot commands in .*: the next ones are ignored for 1 min/);
    expect(asks).toEqual([]);
  });

  it("runs even when the reply cannot be posted (403): the run has no reply to edit", async () => {
    const probot = setup();
    github({ replyStatus: 403 });
    await probot.receive({ id: "1", name: "issue_comment", payload: comment("/chorebot run unlock-account account=acct_1") } as any);
    expect(asks).toHaveLength(1);
    expect(asks[0]!.comment?.replyId).toBeNull();
  });

  it("refuses a secret value without starting anything or repeating it", async () => {
    const probot = setup();
    github();
    await probot.receive({ id: "1", name: "issue_comment", payload: comment(`/chorebot run unlock-account account=acct_1 token=${SECRET}`) } as any);
    expect(asks).toEqual([]);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain("`token` is secret");
    expect(replies[0]).not.toContain(SECRET);
  });

  it("says a run of another repository is no run here, whatever its id", async () => {
    const probot = setup();
    github();
    views.set("shop-chore-x-1", { id: "shop-chore-x-1", repository: "acme/shop", status: "running" } as RunStatusView);
    await probot.receive({ id: "1", name: "issue_comment", payload: comment("/chorebot status shop-chore-x-1") } as any);
    expect(replies).toEqual(["🚫 There is no run shop-chore-x-1 here.\n"]);
  });

  it("answers a command it took but could not handle (a server error) with a reply saying so, and starts nothing", async () => {
    const probot = setup();
    github();
    catalogDown = true;
    await probot.receive({ id: "1", name: "issue_comment", payload: comment("/chorebot run unlock-account account=acct_1") } as any);
    expect(asks).toEqual([]);
    expect(replies).toEqual(["🚫 chorebot could not answer this command (a server error); write it again in a new comment.\n"]);
  });

  it("does nothing for an edit, a bot's comment, or a comment without a command (GitHub is not asked)", async () => {
    const probot = setup();
    const bot = comment("/chorebot run unlock-account account=acct_1");
    bot.sender = { ...bot.sender, login: "renovate[bot]", type: "Bot" };
    bot.comment.user = { ...bot.comment.user, login: "renovate[bot]", type: "Bot" };
    await probot.receive({ id: "1", name: "issue_comment", payload: bot } as any);
    await probot.receive({ id: "2", name: "issue_comment", payload: comment("/chorebot run unlock-account account=acct_1", "edited") } as any);
    await probot.receive({ id: "3", name: "issue_comment", payload: comment("/chorebot run unlock-account account=acct_1", "deleted") } as any);
    await probot.receive({ id: "4", name: "issue_comment", payload: comment("> /chorebot run unlock-account account=acct_1") } as any);
    expect(asks).toEqual([]);
    expect(replies).toEqual([]);
    // Not even taken: nothing of it in Redis.
    expect(await redis().keys("{test}:*")).toEqual([]);
  });
});
