import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import nock from "nock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ReviewDeciders } from "../../../src/github/handle-pull-request-review.js";
import type { Permission } from "../../../src/github/permission.js";
import { chorebotApp } from "../../../src/index.js";
import { executeJobId } from "../../../src/pipeline/run-id.js";
import { ParkedRuns, type ParkInit } from "../../../src/stores/parked-runs.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { testProbot } from "../../helpers/test-probot.js";
import { examplePayload } from "../../helpers/webhook-examples.js";
import { entry, indexedChore, repoCatalog } from "../chores/chores-fixtures.js";

const PREFIX = "{review-test}";

describe("approving pull request reviews", () => {
  let server: TestRedis;
  let redis: Redis;
  let execute: Queue;
  let parked: ParkedRuns;
  const sample = examplePayload("pull_request_review", (p) => p.action === "submitted");
  const owner: string = sample.repository.owner.login;
  const repo: string = sample.repository.name;
  const number: number = sample.pull_request.number;
  const roles: Record<string, Permission> = { bob: "write", rita: "read" };

  function probot() {
    const app = testProbot();
    const catalog = repoCatalog(owner, repo, [entry(indexedChore("deploy", null))]);
    const reviews: ReviewDeciders = {
      parked,
      execute,
      catalog: { read: async (o, r) => (o === owner && r === repo ? catalog : null) },
      permission: async (_repo, login) => roles[login] ?? "none",
      requiredPermission: () => "write",
    };
    void app.load(
      chorebotApp({
        queuePush: async () => "job",
        checks: { scriptCwd: process.cwd(), scriptEnv: [], limits: { minApprovals: 1, maxTimeoutMs: 900_000, minChorePermission: "write" } },
        dashboard: null,
        runsApi: null,
        metrics: null,
        reviews,
      }),
    );
    return app;
  }

  function review(o: { login: string; state?: string; type?: string; pullRequest?: number }) {
    const payload = examplePayload("pull_request_review", (p) => p.action === "submitted");
    payload.review.state = o.state ?? "approved";
    payload.review.user.login = o.login;
    payload.review.user.type = o.type ?? "User";
    payload.pull_request.number = o.pullRequest ?? number;
    // Submitted now, while the runs wait (the example's is from 2019, before any of them waited).
    payload.review.submitted_at = new Date().toISOString();
    return { id: randomUUID(), name: "pull_request_review", payload } as any;
  }

  async function parkRun(over: Partial<ParkInit> = {}): Promise<string> {
    const runId = `run-${randomUUID()}`;
    await execute.add(
      "execute",
      { runId, target: { owner, repo, installationId: 99, chore: { name: "deploy" } } },
      { jobId: executeJobId(runId), delay: 3_600_000 },
    );
    await parked.park({
      runId,
      kind: "waiting",
      owner,
      repo,
      chore: "deploy",
      since: new Date().toISOString(),
      attempt: 1,
      signal: "reviewed",
      step: "ship",
      deadline: new Date(Date.now() + 3_600_000).toISOString(),
      pullRequest: number,
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
  });
  afterAll(async () => {
    nock.enableNetConnect();
    await execute?.close();
    redis?.disconnect();
    await server?.stop();
  });

  it("signals each run waiting on that pull request's review, once however often it is delivered", async () => {
    const [first, second] = [await parkRun(), await parkRun({ signal: "qa-passed" })];
    const other = await parkRun({ pullRequest: number + 1 });
    const app = probot();
    const event = review({ login: "bob" });
    await Promise.all([app.receive(event), app.receive({ ...event, id: randomUUID() })]);
    await app.receive(event);
    for (const [runId, signal] of [
      [first, "reviewed"],
      [second, "qa-passed"],
    ] as const) {
      expect(await parked.payload(runId)).toEqual({ by: "bob", review: event.payload.review.html_url, pullRequest: number });
      expect(await parked.decisions(runId)).toMatchObject([{ kind: "signal", signal, by: "bob", via: "review" }]);
    }
    expect(await parked.decisions(other)).toEqual([]);
  });

  it("delivers nothing for a review that does not approve, a bot's, a read-only reviewer's, or to a run waiting for approvals", async () => {
    const runId = await parkRun();
    const approvals = await parkRun({ signal: "approval", step: null, approval: { count: 1 } });
    const app = probot();
    await app.receive(review({ login: "bob", state: "commented" }));
    await app.receive(review({ login: "bob", state: "changes_requested" }));
    await app.receive(review({ login: "deployer[bot]" }));
    await app.receive(review({ login: "bob", type: "Bot" }));
    await app.receive(review({ login: "rita" }));
    await app.receive(review({ login: "mallory" }));
    expect(await parked.decisions(runId)).toEqual([]);
    expect((await parked.read(runId))?.decision).toBeNull();
    await app.receive(review({ login: "bob" }));
    expect(await parked.decisions(approvals)).toEqual([]);
    expect(await parked.decisions(runId)).toHaveLength(1);
  });
});
