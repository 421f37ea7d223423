import { randomUUID } from "node:crypto";
import { Job, Queue } from "bullmq";
import { Redis } from "ioredis";
import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunDeciders } from "../../../src/api/decide-as.js";
import { CommandGuard } from "../../../src/chatops/command-guard.js";
import type { ChatOpsDeps } from "../../../src/chatops/handle-issue-comment.js";
import type { Permission } from "../../../src/github/permission.js";
import { chorebotApp } from "../../../src/index.js";
import { executeJobId } from "../../../src/pipeline/run-id.js";
import { DEFAULT_COMMAND_RATE, RequestRate } from "../../../src/stores/request-rate.js";
import { ParkedRuns, type ParkInit } from "../../../src/stores/parked-runs.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { testProbot } from "../../helpers/test-probot.js";
import { examplePayload } from "../../helpers/webhook-examples.js";
import { entry, indexedChore, repoCatalog } from "../chores/chores-fixtures.js";

const API = "https://api.github.com";
const BOT = "chorebot[bot]";
const PREFIX = "{decide-comments-test}";

describe("/chorebot continue, approve, reject, resume and rollback", () => {
  let server: TestRedis;
  let redis: Redis;
  let execute: Queue;
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
      execute,
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

  async function parkRun(over: Partial<ParkInit> = {}): Promise<string> {
    const runId = `run-${randomUUID()}`;
    const target = { owner: over.owner ?? owner, repo: over.repo ?? repo, installationId: 99, chore: { name: "deploy" } };
    await execute.add("execute", { runId, target }, { jobId: executeJobId(runId), delay: 3_600_000 });
    await parked.park({
      runId,
      kind: "waiting",
      owner,
      repo,
      chore: "deploy",
      since: new Date().toISOString(),
      attempt: 1,
      signal: "approved",
      step: "ship",
      deadline: new Date(Date.now() + 3_600_000).toISOString(),
      pullRequest: null,
      requestedBy: "alice",
      approval: null,
      ...over,
    });
    return runId;
  }

  beforeAll(async () => {
    nock.disableNetConnect();
    server = await startRedis();
    redis = new Redis({ host: "127.0.0.1", port: server.port, maxRetriesPerRequest: null });
    execute = new Queue("execute", { connection: redis, prefix: PREFIX });
    parked = new ParkedRuns(redis, PREFIX);
  });
  beforeEach(async () => {
    await redis.flushall();
    replies = [];
  });
  afterEach(() => nock.cleanAll());
  afterAll(async () => {
    nock.enableNetConnect();
    await execute?.close();
    redis?.disconnect();
    await server?.stop();
  });

  it("continue delivers the signal the run waits for, with who, the comment and the values as its payload", async () => {
    const runId = await parkRun();
    const reply = await say(`/chorebot continue ${runId} ticket=OPS-1 note="all green"`, "bob");
    expect(reply).toMatch(new RegExp(`^✅ Run \`${runId}\`, as @bob decided: signal "approved" delivered: step ship goes on\\.`));
    const payload = (await parked.payload(runId)) as Record<string, unknown>;
    expect(payload).toEqual({ by: "bob", comment: expect.stringMatching(/^https:\/\/github\.com\//), values: { ticket: "OPS-1", note: "all green" } });
    expect(await parked.decisions(runId)).toMatchObject([{ kind: "signal", by: "bob", via: "comment", signal: "approved" }]);
    expect(await (await Job.fromId(execute, executeJobId(runId)))?.getState()).toBe("waiting");
  });

  it("approve: the requester is refused, another writer's approval starts the run, a second is told it was decided", async () => {
    const runId = await parkRun({ signal: "approval", step: null, approval: { count: 1 } });
    expect(await say(`/chorebot continue ${runId}`, "bob")).toContain("waits for approvals, not a signal: approve it with /chorebot approve");
    expect(await say(`/chorebot approve ${runId}`, "alice")).toContain("you asked for this run, so you cannot approve it");
    expect((await parked.read(runId))?.approval?.approvals).toEqual([]);
    expect(await say(`/chorebot approve ${runId}`, "bob")).toContain("approved (1 of 1): the run starts");
    expect(await say(`/chorebot reject ${runId}`, "alice")).toMatch(/^🚫 .*already decided: approve by bob/);
    expect((await parked.decisions(runId)).map((d) => `${d.kind}:${d.by}:${d.via}`)).toEqual(["approve:bob:comment"]);
  });

  it("refuses a read-only user, a run of another repository, a Resume of a waiting run, a signal for an interrupted one", async () => {
    const runId = await parkRun();
    expect(await say(`/chorebot continue ${runId}`, "rita")).toContain("has read permission");
    expect(await say(`/chorebot continue ${runId}`, "mallory")).toContain("that you can see");
    const elsewhere = await parkRun({ owner: "other", repo: "place" });
    expect(await say(`/chorebot approve ${elsewhere}`, "bob")).toBe(`🚫 There is no run ${elsewhere} here.\n`);
    expect(await say(`/chorebot resume ${runId}`, "bob")).toContain("this run was not interrupted");
    const interrupted = await parkRun({ kind: "interrupted", signal: null, deadline: null });
    expect(await say(`/chorebot continue ${interrupted}`, "bob")).toContain("interrupted at step ship; choose Resume or Roll back");
    expect(await say(`/chorebot rollback ${interrupted}`, "bob")).toContain("rolling back");
    for (const id of [runId, elsewhere]) expect(await parked.decisions(id)).toEqual([]);
  });

  it("a comment quoting a command, or holding it in code, does nothing", async () => {
    const runId = await parkRun();
    for (const body of [`> /chorebot continue ${runId}`, `\`/chorebot continue ${runId}\``, `\`\`\`\n/chorebot continue ${runId}\n\`\`\``]) {
      const payload = comment(body, "bob");
      await setup().receive({ id: randomUUID(), name: "issue_comment", payload } as any);
    }
    expect(replies).toEqual([]);
    expect(await parked.decisions(runId)).toEqual([]);
  });

  it("help and a malformed command list the deciding commands", async () => {
    expect(await say("/chorebot help", "bob")).toMatch(
      /\/chorebot continue <run-id \| run-name> \[name=value …\][\s\S]*\/chorebot approve[\s\S]*\/chorebot rollback/,
    );
    expect(await say("/chorebot continue run-1 oops", "bob")).toContain('"oops" is not a value: give values as name=value');
  });
});
