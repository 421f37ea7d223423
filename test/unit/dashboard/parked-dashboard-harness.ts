import type { Server } from "node:http";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { createDashboardHandler } from "../../../src/dashboard/create-dashboard-handler.js";
import { ParkedRuns, type ParkInit } from "../../../src/stores/parked-runs.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { basicAuth, serveHandler } from "../../helpers/serve-handler.js";
import { parkedRecord } from "../../helpers/parked-record.js";

/** The dashboard's login, as the harness serves it. */
export const auth = basicAuth("ops", "s3cret");

/** A run of acme/ops parked interrupted (no step, no chore, nobody asked), as `over` changes it. */
export function parkInit(runId: string, over: Partial<ParkInit>): ParkInit {
  return parkedRecord(runId, { since: "2026-12-06T10:00:00.000Z", ...over });
}

/**
 * The dashboard (login ops / s3cret, `auth`) over a real execute queue and parked runs on a real
 * Redis, for the tests of what it lets a person do to a parked run's job; `worker` takes jobs
 * only when told. Registers its own hooks; the rest is there once they ran.
 */
export function parkedDashboardHarness(prefix: string) {
  let redis: TestRedis;
  let client: Redis;
  let server: Server;
  const h = {
    execute: undefined as unknown as Queue,
    worker: undefined as unknown as Worker,
    parked: undefined as unknown as ParkedRuns,
    base: "",
  };

  beforeAll(async () => {
    redis = await startRedis();
    const connection = { host: "127.0.0.1", port: redis.port };
    client = new Redis({ ...connection, maxRetriesPerRequest: null });
    h.execute = new Queue("execute", { connection, prefix });
    h.worker = new Worker("execute", null, { connection, prefix });
    h.parked = new ParkedRuns(client, prefix);
    ({ base: h.base, server } = await serveHandler(createDashboardHandler({ queues: [h.execute], user: "ops", password: "s3cret", parked: h.parked })));
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await h.worker?.close();
    await h.execute?.close();
    client?.disconnect();
    await redis?.stop();
  });
  return h;
}
