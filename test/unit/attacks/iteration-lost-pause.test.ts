import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExecuteResult, RunJobData } from "../../../src/pipeline/job-data.js";
import { parkInterrupted } from "../../../src/steps/park-interrupted.js";
import { ParkedRuns } from "../../../src/stores/parked-runs.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";

const PREFIX = "{iteration-lost-pause}";
const iteration = { batchSize: 50, pauseMs: 0, counted: false, csv: null };
const data = {
  runId: "run-lost-pausing",
  target: { owner: "acme", repo: "widgets", path: "chores/backfill.ts", chore: null },
} as unknown as RunJobData;
// What the worker that noticed the loss records (lostOutcome): the attempt was interrupted during batch 4.
const lost = {
  process: { description: { description: null, inputs: {}, concurrency: "self", timeoutMs: null, env: null, iteration }, provenance: { pullRequest: null } },
  execution: {
    status: "interrupted",
    exitCode: null,
    signal: null,
    startedAt: "2026-12-01T09:59:00.000Z",
    finishedAt: "2026-12-01T10:00:01.000Z",
    durationMs: 61_000,
    output: { lines: [], omittedBytes: 0, omittedAt: null },
    message: "interrupted after 150 items",
    report: null,
  },
  runner: "host-a",
  attempt: 1,
} as unknown as ExecuteResult;

// A pause asked while the iteration ran, whose worker was then SIGKILLed before its next
// checkpoint: nothing ran the attempt's `finally` that answers the request, so it stayed in the
// run hash; the person's Resume then found it and parked the run paused again before it started
// ("paused by … before it started"), a Resume that did not resume.
describe("an iteration lost while a pause was asked", () => {
  let redis: TestRedis;
  let client: Redis;
  let parked: ParkedRuns;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis({ host: "127.0.0.1", port: redis.port });
    parked = new ParkedRuns(client, PREFIX);
  });

  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it("is parked interrupted with the pause answered: a Resume goes on instead of pausing again at once", async () => {
    expect(await parked.requestPause(data.runId, { kind: "pause", by: "alice", via: "page", at: "2026-12-01T09:59:30.000Z" })).toMatchObject({ ok: true });
    expect(await parkInterrupted({ runs: parked }, data, lost)).toBe(true);
    expect((await parked.read(data.runId))?.kind).toBe("interrupted");
    // The request is over: the attempt it was asked of ended. The record keeps it among the decisions.
    expect(await parked.pauseRequest(data.runId)).toBeNull();
    expect((await parked.decisions(data.runId)).map((d) => d.kind)).toEqual(["pause"]);
  });
});
