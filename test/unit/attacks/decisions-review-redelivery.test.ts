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

const PREFIX = "{review-redelivery}";

// An approving review is one decision. A workflow may wait on the same pull request twice (two
// steps, or one step's two waits); a redelivery of the review that continued the first wait (an
// operator's "Redeliver", GitHub's own retry) must not continue the second one, which nobody approved.
describe("attack: a review delivered again after the run waits on the same pull request once more", () => {
  let server: TestRedis;
  let redis: Redis;
  let execute: Queue;
  let parked: ParkedRuns;
  const sample = examplePayload("pull_request_review", (p) => p.action === "submitted");
  const owner: string = sample.repository.owner.login;
  const repo: string = sample.repository.name;
  const number: number = sample.pull_request.number;
  const roles: Record<string, Permission> = { bob: "write" };

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

  function review(login: string, submittedAt: Date) {
    const payload = examplePayload("pull_request_review", (p) => p.action === "submitted");
    payload.review.state = "approved";
    payload.review.user.login = login;
    payload.review.user.type = "User";
    payload.review.submitted_at = submittedAt.toISOString();
    payload.review.html_url = `${payload.pull_request.html_url}#pullrequestreview-${randomUUID()}`;
    return { id: randomUUID(), name: "pull_request_review", payload } as any;
  }

  async function park(runId: string, signal: string, since: Date, over: Partial<ParkInit> = {}): Promise<void> {
    await parked.park({
      runId,
      kind: "waiting",
      owner,
      repo,
      chore: "deploy",
      since: since.toISOString(),
      attempt: 1,
      signal,
      step: "ship",
      deadline: new Date(since.getTime() + 3_600_000).toISOString(),
      pullRequest: number,
      requestedBy: "alice",
      approval: null,
      ...over,
    });
  }

  async function newRun(): Promise<string> {
    const runId = `run-${randomUUID()}`;
    await execute.add(
      "execute",
      { runId, target: { owner, repo, installationId: 99, chore: { name: "deploy" } } },
      { jobId: executeJobId(runId), delay: 3_600_000 },
    );
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

  it("continues the first wait with it, and not the second wait on the same pull request", async () => {
    const app = probot();
    const runId = await newRun();
    const firstParked = new Date(Date.now() - 60_000);
    await park(runId, "reviewed", firstParked);
    const approving = review("bob", new Date(firstParked.getTime() + 10_000));
    await app.receive(approving);
    expect((await parked.read(runId))?.decision).toMatchObject({ kind: "signal", signal: "reviewed", by: "bob" });

    // The worker went on from the first wait; a later step waits on the same pull request.
    await parked.clear(runId);
    await park(runId, "released", new Date());
    await app.receive({ ...approving, id: randomUUID() });
    expect((await parked.read(runId))?.decision).toBeNull();
    expect(await parked.decisions(runId)).toHaveLength(1);

    // A review given after that wait began continues it.
    const fresh = review("bob", new Date(Date.now() + 1_000));
    await app.receive(fresh);
    expect((await parked.read(runId))?.decision).toMatchObject({ kind: "signal", signal: "released", by: "bob" });
    expect(await parked.payload(runId)).toEqual({ by: "bob", review: fresh.payload.review.html_url, pullRequest: number });
  });

  it("does not continue a wait with a review given before the run was waiting (an old review delivered again)", async () => {
    const app = probot();
    const runId = await newRun();
    await park(runId, "reviewed", new Date());
    await app.receive(review("bob", new Date(Date.now() - 86_400_000)));
    expect((await parked.read(runId))?.decision).toBeNull();
    expect(await parked.decisions(runId)).toEqual([]);
  });
});
