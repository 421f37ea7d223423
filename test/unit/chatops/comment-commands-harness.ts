import { randomUUID } from "node:crypto";
import type { Queue } from "bullmq";
import { Redis } from "ioredis";
import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import type { RunDeciders } from "../../../src/api/decide-as.js";
import { CommandGuard } from "../../../src/chatops/command-guard.js";
import type { ChatOpsDeps } from "../../../src/chatops/handle-issue-comment.js";
import type { Permission } from "../../../src/github/permission.js";
import { chorebotApp } from "../../../src/index.js";
import { DEFAULT_COMMAND_RATE, RequestRate } from "../../../src/stores/request-rate.js";
import { ParkedRuns } from "../../../src/stores/parked-runs.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { testProbot } from "../../helpers/test-probot.js";
import { examplePayload } from "../../helpers/webhook-examples.js";
import { entry, indexedChore, repoCatalog } from "../chores/chores-fixtures.js";

const API = "https://api.github.com";
const BOT = "chorebot[bot]";
/** alice and bob write to the example payload's repository, rita only reads it. */
const ROLES: Record<string, Permission> = { alice: "write", bob: "write", rita: "read" };

/**
 * chorebot's app on a real Redis answering `/chorebot` comments on the example payload's
 * repository (chore deploy), for the tests of the commands that decide runs: `say` posts a
 * comment as a user and gives chorebot's reply (GitHub stood in by nock), `comment` builds one
 * and `receive` delivers it. The runs' execute queue is the test's (`execute`, read when a
 * comment arrives); the harness's hooks run first, so its Redis is there in the test's own.
 */
export function commentCommandsHarness(prefix: string, execute: () => Queue) {
  let server: TestRedis;
  const sample = examplePayload("issue_comment", (p) => p.action === "created");
  const owner: string = sample.repository.owner.login;
  const repo: string = sample.repository.name;
  let nextComment = 1;

  function comment(body: string, login: string) {
    const payload = examplePayload("issue_comment", (p) => p.action === "created");
    payload.comment.body = body;
    payload.comment.user.login = login;
    payload.comment.user.type = "User";
    payload.sender.login = login;
    payload.sender.type = "User";
    payload.comment.id = sample.comment.id + nextComment++;
    payload.installation = { id: 99, node_id: "IN" };
    return payload;
  }

  function setup() {
    const probot = testProbot();
    const catalog = repoCatalog(owner, repo, [entry(indexedChore("deploy", null))]);
    const deciders: RunDeciders = {
      parked: h.parked,
      execute: execute(),
      catalog: { read: async (o, r) => (o === owner && r === repo ? catalog : null) },
      permission: async (_repo, login) => ROLES[login] ?? "none",
      requiredPermission: () => "write",
    };
    const deps: ChatOpsDeps = {
      onDemand: {
        start: async () => {
          throw new Error("nothing is started here");
        },
        catalog: deciders.catalog as ChatOpsDeps["onDemand"]["catalog"],
        permission: deciders.permission,
        requiredPermission: deciders.requiredPermission,
        names: { find: async () => null } as unknown as ChatOpsDeps["onDemand"]["names"],
      },
      runs: { get: async () => null },
      cancellations: { request: async () => "running" },
      guard: new CommandGuard(h.redis, prefix, async () => BOT),
      commandRate: new RequestRate(h.redis, prefix, DEFAULT_COMMAND_RATE, "command-rate"),
      runPage: () => null,
      choresPage: () => null,
      deciders,
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

  /** GitHub as the guard and the reply see one comment: no reaction yet, then chorebot's; the reply recorded. */
  function github(commentId: number) {
    const path = `/repos/${owner}/${repo}/issues/comments/${commentId}`;
    nock(API).post("/app/installations/99/access_tokens").times(5).reply(201, { token: "t", expires_at: "2099-01-01T00:00:00Z" });
    nock(API).get(`${path}/reactions`).query(true).reply(200, []);
    nock(API)
      .post(`${path}/reactions`, { content: "eyes" })
      .reply(201, { id: 1, content: "eyes", user: { login: BOT } });
    nock(API)
      .post(`/repos/${owner}/${repo}/issues/${sample.issue.number}/comments`)
      .reply(201, (_uri: string, body: { body: string }) => {
        h.replies.push(body.body);
        return { id: 5, body: body.body };
      });
  }

  async function receive(payload: ReturnType<typeof comment>): Promise<void> {
    await setup().receive({ id: randomUUID(), name: "issue_comment", payload } as any);
  }

  async function say(body: string, login: string): Promise<string | undefined> {
    const payload = comment(body, login);
    github(payload.comment.id);
    const before = h.replies.length;
    await receive(payload);
    return h.replies.length > before ? h.replies.at(-1) : undefined;
  }

  const h = {
    owner,
    repo,
    /** The Redis server's port, for the test's own queues. */
    port: 0,
    redis: undefined as unknown as Redis,
    parked: undefined as unknown as ParkedRuns,
    /** chorebot's replies, in order, since the test began. */
    replies: [] as string[],

    comment,
    receive,
    say,
  };

  beforeAll(async () => {
    nock.disableNetConnect();
    server = await startRedis();
    h.port = server.port;
    h.redis = new Redis({ host: "127.0.0.1", port: server.port, maxRetriesPerRequest: null });
    h.parked = new ParkedRuns(h.redis, prefix);
  });
  beforeEach(async () => {
    await h.redis.flushall();
    h.replies = [];
  });
  afterEach(() => nock.cleanAll());
  afterAll(async () => {
    nock.enableNetConnect();
    h.redis?.disconnect();
    await server?.stop();
  });
  return h;
}
