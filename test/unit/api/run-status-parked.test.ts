import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRunsApiHandler } from "../../../src/api/create-runs-api-handler.js";
import { Cancellations } from "../../../src/stores/cancellations.js";
import { ParkedRuns, type ParkInit } from "../../../src/stores/parked-runs.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { basicAuth, serveHandler } from "../../helpers/serve-handler.js";
import { runStatusClient } from "./run-status-client.js";
import { runPipeline, type RunPipeline } from "./run-pipeline.js";

const PREFIX = "{parked-status-test}";
const auth = basicAuth("ops", "s3cret");

function parkInit(runId: string, over: Partial<ParkInit>): ParkInit {
  return {
    runId,
    kind: "waiting",
    owner: "acme",
    repo: "ops",
    chore: null,
    since: new Date().toISOString(),
    attempt: 1,
    signal: "approval",
    step: null,
    deadline: new Date(Date.now() + 86_400_000).toISOString(),
    pullRequest: null,
    requestedBy: "alice",
    approval: { count: 2 },
    ...over,
  };
}

describe("GET /api/runs/<id> of a parked run", () => {
  let redis: TestRedis;
  let pipeline: RunPipeline;
  let cancellations: Cancellations;
  let parked: ParkedRuns;
  let server: Server;
  let base: string;

  const { status, until } = runStatusClient(() => base, auth);

  beforeAll(async () => {
    redis = await startRedis();
    pipeline = await runPipeline({ host: "127.0.0.1", port: redis.port, maxRetriesPerRequest: null }, PREFIX);
    cancellations = new Cancellations(pipeline.redis, PREFIX, { executeQueue: pipeline.queues.execute });
    parked = new ParkedRuns(pipeline.redis, PREFIX);
    const handler = createRunsApiHandler({ cancellations, user: "ops", password: "s3cret", status: { queues: pipeline.queues, redis: pipeline.redis } });
    ({ server, base } = await serveHandler(handler));
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await cancellations?.close();
    await pipeline?.close();
    await redis?.stop();
  });

  it("waiting for approvals: how many, who gave them when, who asked and until when; each decision listed", async () => {
    const run = await pipeline.add("scripts/approve-me.ts", { execute: { kind: "wait", reason: "parked" } });
    await until(run, "waiting");
    const init = parkInit(run, {});
    await parked.park(init);
    const before = await status(run);
    expect(before.status).toBe("waiting");
    expect(before.waiting).toEqual({
      signal: "approval",
      step: null,
      deadline: init.deadline,
      pull_request: null,
      requested_by: "alice",
      approvals: { count: 2, given: [] },
    });
    expect(before.waiting_reason).toBe(`waits for 2 approvals (0 given; asked by alice) until ${init.deadline}`);
    expect(before).not.toHaveProperty("decisions");
    expect(before).not.toHaveProperty("interrupted");

    const taken = await parked.decide(run, { kind: "approve", by: "bob", via: "page", at: "2026-12-06T10:00:00.000Z" });
    expect(taken.ok).toBe(true);
    const after = await status(run);
    expect(after.waiting?.approvals).toEqual({ count: 2, given: [{ by: "bob", at: "2026-12-06T10:00:00.000Z" }] });
    expect(after.waiting_reason).toBe(`waits for 2 approvals (1 given; asked by alice) until ${init.deadline}`);
    expect(after.decisions).toEqual([{ kind: "approve", by: "bob", via: "page", at: "2026-12-06T10:00:00.000Z" }]);
  });

  it("a step waiting for a signal names the step, the signal and the pull request whose review continues it", async () => {
    const run = await pipeline.add("scripts/wait-signal.ts", { execute: { kind: "wait", reason: "parked" } });
    await until(run, "waiting");
    await parked.park(parkInit(run, { signal: "payment-done", step: "charge", pullRequest: 7, requestedBy: null, approval: null }));
    const view = await status(run);
    expect(view.waiting).toMatchObject({ signal: "payment-done", step: "charge", pull_request: 7, approvals: null });
    expect(view.waiting_reason).toMatch(/^step charge waits for the signal payment-done until /);
  });

  it("an interrupted run (its execute job failed) is interrupted, naming the step, until a decision clears it; the decisions stay", async () => {
    const run = await pipeline.add("scripts/lost-me.ts", { execute: { kind: "crash" } });
    const lost = await until(run, "lost");
    const since = new Date().toISOString();
    await parked.park(parkInit(run, { kind: "interrupted", signal: null, step: "charge", since, deadline: null, approval: null }));
    const view = await status(run);
    expect(view.status).toBe("interrupted");
    expect(view.interrupted).toEqual({ step: "charge", since });
    expect(view).not.toHaveProperty("waiting");

    expect((await parked.decide(run, { kind: "resume", by: "carol", via: "cli", at: since, step: "charge" })).ok).toBe(true);
    await parked.clear(run);
    const cleared = await status(run);
    expect(cleared.status).toBe(lost.status);
    expect(cleared).not.toHaveProperty("interrupted");
    expect(cleared.decisions).toEqual([{ kind: "resume", by: "carol", via: "cli", at: since, step: "charge" }]);
  });
});
