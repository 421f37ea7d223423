import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
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
import { runJobs } from "../pipeline/iteration-run-fixture.js";

const API = "https://api.github.com";
const BOT = "chorebot[bot]";
const PREFIX = "{pause-comments-test}";

describe("/chorebot pause", () => {
  let server: TestRedis;
  let redis: Redis;
  let jobs: ReturnType<typeof runJobs>;
  let parked: ParkedRuns;
  let replies: string[];
  const sample = examplePayload("issue_comment", (p) => p.action === "created");
  const owner: string = sample.repository.owner.login;
  const repo: string = sample.repository.name;
  const roles: Record<string, Permission> = { alice: "write", bob: "write", rita: "read" };
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
      parked,
      execute: jobs.execute,
      catalog: { read: async (o, r) => (o === owner && r === repo ? catalog : null) },
      permission: async (_repo, login) => roles[login] ?? "none",
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
      guard: new CommandGuard(redis, PREFIX, async () => BOT),
      commandRate: new RequestRate(redis, PREFIX, DEFAULT_COMMAND_RATE, "command-rate"),
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
        replies.push(body.body);
        return { id: 5, body: body.body };
      });
  }

  async function say(body: string, login: string): Promise<string | undefined> {
    const payload = comment(body, login);
    github(payload.comment.id);
    const before = replies.length;
    await setup().receive({ id: randomUUID(), name: "issue_comment", payload } as any);
    return replies.length > before ? replies.at(-1) : undefined;
  }

  beforeAll(async () => {
    nock.disableNetConnect();
    server = await startRedis();
    redis = new Redis({ host: "127.0.0.1", port: server.port, maxRetriesPerRequest: null });
    jobs = runJobs({ host: "127.0.0.1", port: server.port }, PREFIX);
    parked = new ParkedRuns(redis, PREFIX);
  });
  beforeEach(async () => {
    await redis.flushall();
    replies = [];
  });
  afterEach(() => nock.cleanAll());
  afterAll(async () => {
    nock.enableNetConnect();
    await jobs?.close();
    redis?.disconnect();
    await server?.stop();
  });

  it("pauses a running iteration of this repository for a writer, recorded as the comment's; a second is told who asked", async () => {
    const runId = await jobs.add({ owner, repo, chore: "deploy" });
    const reply = await say(`/chorebot pause ${runId}`, "bob");
    expect(reply).toBe(`✅ Run \`${runId}\`, as @bob decided: pausing: it stops after its current batch, keeping its checkpoint; Resume goes on from there.\n`);
    expect(await parked.pauseRequest(runId)).toMatchObject({ kind: "pause", by: "bob", via: "comment" });
    expect(await say(`/chorebot pause ${runId}`, "alice")).toMatch(new RegExp(`^🚫 Run \`${runId}\`: a pause was already asked for by @\u200dbob at `));
    expect(await parked.decisions(runId)).toHaveLength(1);
  });

  it("refuses a reader, a stranger, a run of another repository, and a run that is not an iteration; asks nothing", async () => {
    const runId = await jobs.add({ owner, repo, chore: "deploy" });
    expect(await say(`/chorebot pause ${runId}`, "rita")).toContain("has read permission");
    expect(await say(`/chorebot pause ${runId}`, "mallory")).toContain("that you can see");
    const elsewhere = await jobs.add({ owner: "other", repo: "place", chore: "deploy" });
    expect(await say(`/chorebot pause ${elsewhere}`, "bob")).toBe(`🚫 There is no run ${elsewhere} here.\n`);
    const plain = await jobs.add({ owner, repo, chore: "deploy", kind: "plain" });
    expect(await say(`/chorebot pause ${plain}`, "bob")).toContain("only an iteration can be paused; this run is not one");
    for (const id of [runId, elsewhere, plain]) expect(await parked.pauseRequest(id)).toBeNull();
  });

  it("wants one run and no flags, and help lists pause", async () => {
    expect(await say("/chorebot pause", "bob")).toContain("\\`pause\\` takes one run");
    expect(await say("/chorebot pause a b", "bob")).toContain("\\`pause\\` takes one run");
    expect(await say("/chorebot pause --now", "bob")).toContain("\\`pause\\` takes no flags");
    expect(await say("/chorebot help", "bob")).toContain("/chorebot pause <run-id | run-name>");
  });
});
