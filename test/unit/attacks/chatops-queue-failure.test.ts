import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunStatusView } from "../../../src/api/run-status-reader.js";
import { DEFAULT_COMMAND_RATE, RequestRate } from "../../../src/stores/request-rate.js";
import { CommandGuard } from "../../../src/chatops/command-guard.js";
import type { ChatOpsDeps } from "../../../src/chatops/handle-issue-comment.js";
import { chorebotApp } from "../../../src/index.js";
import { choreRunId } from "../../../src/pipeline/run-id.js";
import { useRedisClient } from "../../helpers/redis-client.js";
import { testProbot } from "../../helpers/test-probot.js";
import { examplePayload } from "../../helpers/webhook-examples.js";
import { description, entry, indexedChore, repoCatalog, runView } from "../chores/chores-fixtures.js";

const API = "https://api.github.com";
const BOT = "chorebot[bot]";
const REPLY_ID = 4242;
const unlock = indexedChore("unlock-account", description({ account: { type: "string", required: true } }));

// Attack (Redis failing mid-way): startChore adds the run's jobs, then records its history; a
// failure there throws although the run is queued. The reply then said "could not queue the run
// ... write the command again in a new comment" and "Nothing was run": the writer did, and the
// chore ran twice (a new comment is a new request key).
describe("a /chorebot run whose start failed after its run was queued", () => {
  const redis = useRedisClient();
  const payload = examplePayload("issue_comment", (p) => p.action === "created");
  payload.comment.body = "/chorebot run unlock-account account=acct_1";
  payload.installation = { id: 99, node_id: "IN" };
  const owner: string = payload.repository.owner.login;
  const repo: string = payload.repository.name;
  const commentPath = `/repos/${owner}/${repo}/issues/comments/${payload.comment.id}`;
  const runId = choreRunId({ owner, repo, name: "unlock-account", requestKey: `comment-${payload.comment.id}` });
  let posted: string[];
  let edits: string[];
  let reads: "queued" | "absent" | "down";

  function setup() {
    const probot = testProbot();
    const deps: ChatOpsDeps = {
      onDemand: {
        start: async () => {
          throw new Error("OOM command not allowed when used memory > 'maxmemory'");
        },
        catalog: { read: async () => repoCatalog(owner, repo, [entry(unlock)]) } as unknown as ChatOpsDeps["onDemand"]["catalog"],
        permission: async () => "write",
        requiredPermission: () => "write",
        names: { find: async () => null } as unknown as ChatOpsDeps["onDemand"]["names"],
      },
      runs: {
        get: async (id): Promise<RunStatusView | null> => {
          if (reads === "down") throw new Error("Redis is away");
          return reads === "queued" && id === runId ? ({ ...runView({ id: runId, status: "queued" }) } as unknown as RunStatusView) : null;
        },
      },
      cancellations: { request: async () => "running" },
      guard: new CommandGuard(redis(), "{attack}", async () => BOT),
      commandRate: new RequestRate(redis(), "{attack}", DEFAULT_COMMAND_RATE, "command-rate"),
      runPage: () => null,
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
    nock(API).post("/app/installations/99/access_tokens").times(5).reply(201, { token: "t", expires_at: "2099-01-01T00:00:00Z" });
    nock(API).get(`${commentPath}/reactions`).query(true).reply(200, []);
    nock(API)
      .post(`${commentPath}/reactions`)
      .reply(201, { id: 1, content: "eyes", user: { login: BOT } });
    nock(API)
      .post(`/repos/${owner}/${repo}/issues/${payload.issue.number}/comments`)
      .reply(201, (_uri: string, body: { body: string }) => {
        posted.push(body.body);
        return { id: REPLY_ID };
      });
    nock(API)
      .patch(`/repos/${owner}/${repo}/issues/comments/${REPLY_ID}`)
      .optionally()
      .reply(200, (_uri: string, body: { body: string }) => {
        edits.push(body.body);
        return { id: REPLY_ID };
      });
    return probot;
  }

  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  beforeEach(async () => {
    await redis().flushall();
    posted = [];
    edits = [];
  });
  afterEach(() => nock.cleanAll());

  it("keeps the reply saying queued when the run is there (the workers edit it), never asking for the command again", async () => {
    reads = "queued";
    await setup().receive({ id: "1", name: "issue_comment", payload } as any);
    expect(posted).toHaveLength(1);
    expect(posted[0]).toContain("`queued`");
    expect(edits).toEqual([]);
  });

  it("asks for the command again only when the run is known not to be there", async () => {
    reads = "absent";
    await setup().receive({ id: "1", name: "issue_comment", payload } as any);
    expect(edits).toHaveLength(1);
    expect(edits[0]).toContain("write the command again in a new comment");
    expect(edits[0]).toContain("Nothing was run.");
  });

  it("when Redis cannot say, points at the run's status instead of saying nothing ran", async () => {
    reads = "down";
    await setup().receive({ id: "1", name: "issue_comment", payload } as any);
    expect(edits).toHaveLength(1);
    expect(edits[0]).toContain(`/chorebot status ${runId.replace(/_/g, "\\_")}`);
    expect(edits[0]).not.toContain("Nothing was run.");
  });
});
