import { Redis } from "ioredis";
import type { ConnectionOptions } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cancellations } from "../../../src/stores/cancellations.js";
import { ParkedRuns } from "../../../src/stores/parked-runs.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { heldJobs, type HeldJobs } from "../stores/held-jobs.js";
import { parkedRecord } from "../../helpers/parked-record.js";

const PREFIX = "{iteration-cancel-race}";

// A cancel of an interrupted iteration that a person's Resume beat (the Resume is taken, its
// failed job not retried yet: the one who took it is between the two, or died there) was
// answered "cancelled" while nothing cancelled it: the run went on from its checkpoint.
describe("cancel of an interrupted iteration racing a Resume", () => {
  let redis: TestRedis;
  let jobs: HeldJobs;
  let client: Redis;
  let web: Cancellations;
  let parked: ParkedRuns;

  beforeAll(async () => {
    redis = await startRedis();
    const connection: ConnectionOptions = { host: "127.0.0.1", port: redis.port, maxRetriesPerRequest: null };
    jobs = await heldJobs(connection, PREFIX);
    client = new Redis(connection);
    web = new Cancellations(client, PREFIX, { executeQueue: jobs.queue });
    parked = new ParkedRuns(client, PREFIX);
  });

  afterAll(async () => {
    await web?.close();
    await jobs?.close();
    client?.disconnect();
    await redis?.stop();
  });

  it("is not lost: the resumed attempt finds the cancel request, and the answer says the run is going on", async () => {
    const runId = "run-resumed-then-cancelled";
    await jobs.finished(runId, "failed");
    await parked.park(parkedRecord(runId, { owner: "o", repo: "r" }));
    // Resume taken by the decider; its wake (the job's retry) has not happened yet.
    expect((await parked.decide(runId, { kind: "resume", by: "fred", via: "api", at: new Date().toISOString() })).ok).toBe(true);

    const held = jobs.whenHeld(runId);
    const target = await web.request(runId, "erin");
    await held;
    // The Resume stands (one decider), and the run it woke is asked to stop: its worker sees the request before it goes on.
    expect((await parked.read(runId))?.decision).toMatchObject({ kind: "resume", by: "fred" });
    expect(await web.cancelledBy(runId)).toMatchObject({ by: "erin" });
    expect(["waiting", "running"]).toContain(target);
    await jobs.release(runId);
  });
});
