import type { Server } from "node:http";
import { afterAll, beforeAll } from "vitest";
import { createRunsApiHandler } from "../../../src/api/create-runs-api-handler.js";
import { Cancellations } from "../../../src/stores/cancellations.js";
import { ParkedRuns } from "../../../src/stores/parked-runs.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { basicAuth, serveHandler } from "../../helpers/serve-handler.js";
import { runStatusClient } from "./run-status-client.js";
import { runPipeline, type RunPipeline } from "./run-pipeline.js";

/** The dashboard's login, as the harness serves the API. */
export const auth = basicAuth("ops", "s3cret");

/**
 * The runs API (its status routes, dashboard login) over a run pipeline on a real Redis, for the
 * tests of what `GET /api/runs/<id>` says: `pipeline` runs fake jobs, `parked` parks them,
 * `status` and `until` read them. Registers its own hooks; the rest is there once they ran.
 */
export function runStatusHarness(prefix: string) {
  let redis: TestRedis;
  let cancellations: Cancellations;
  let server: Server;
  let base = "";
  const h = {
    /** Where the API listens, once it does. */
    base: "",
    pipeline: undefined as unknown as RunPipeline,
    parked: undefined as unknown as ParkedRuns,
    ...runStatusClient(() => base, auth),
  };

  beforeAll(async () => {
    redis = await startRedis();
    h.pipeline = await runPipeline({ host: "127.0.0.1", port: redis.port, maxRetriesPerRequest: null }, prefix);
    cancellations = new Cancellations(h.pipeline.redis, prefix, { executeQueue: h.pipeline.queues.execute });
    h.parked = new ParkedRuns(h.pipeline.redis, prefix);
    const handler = createRunsApiHandler({ cancellations, user: "ops", password: "s3cret", status: { queues: h.pipeline.queues, redis: h.pipeline.redis } });
    ({ server, base } = await serveHandler(handler));
    h.base = base;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await cancellations?.close();
    await h.pipeline?.close();
    await redis?.stop();
  });
  return h;
}
