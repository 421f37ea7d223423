import type { Server } from "node:http";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { withParked } from "../../../src/api/parked-view.js";
import type { ChoreRunView } from "../../../src/chores/chore-run-view.js";
import { createChoresHandler, type ChoresPagesDeps } from "../../../src/chores/create-chores-handler.js";
import type { Permission } from "../../../src/github/permission.js";
import { ParkedRuns, type ParkInit } from "../../../src/stores/parked-runs.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { serveHandler } from "../../helpers/serve-handler.js";
import { runView } from "./chores-fixtures.js";
import { oneChorePagesDeps } from "./one-chore-pages-deps.js";

/** alice and carol write to acme/shop, bob only reads it. */
const ROLES: Record<string, Permission> = { alice: "write", bob: "read", carol: "write" };

/**
 * The chores pages on a real Redis with parked runs of chore acme/shop/unlock-account, for the
 * tests of a parked run's page and its buttons: `parkRun` parks one (waiting for one approval,
 * asked by alice, unless told otherwise), `page` reads its page as a user, `decide` posts its
 * form. Registers its own hooks; `parked` is there once they ran.
 */
export function parkedPageHarness(prefix: string) {
  let redis: TestRedis;
  let execute: Queue;
  let client: Redis;
  let server: Server;
  let base: string;
  let n = 0;
  const runs = new Map<string, ChoreRunView>();
  const h = {
    parked: undefined as unknown as ParkedRuns,
    runs,

    async parkRun(over: Partial<ParkInit>): Promise<string> {
      const runId = `run-${++n}`;
      runs.set(runId, runView({ id: runId, status: "waiting", repository: "acme/shop", chore: "unlock-account", requested_by: "alice" }));
      await h.parked.park({
        runId,
        kind: "waiting",
        owner: "acme",
        repo: "shop",
        chore: "unlock-account",
        since: "2026-12-06T10:00:00.000Z",
        attempt: 1,
        signal: "approval",
        step: null,
        deadline: "2026-12-08T10:00:00.000Z",
        pullRequest: null,
        requestedBy: "alice",
        approval: { count: 1 },
        ...over,
      });
      return runId;
    },

    async page(runId: string, user = "alice") {
      const res = await fetch(`${base}/chores/runs/${runId}`, { headers: { Cookie: `user=${user}` } });
      return { res, html: await res.text() };
    },

    async decide(runId: string, user: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
      const body = new URLSearchParams({ csrf: `token-of-${user}`, ...fields });
      const res = await fetch(`${base}/chores/runs/${runId}/decide`, {
        method: "POST",
        body,
        headers: { Cookie: `user=${user}`, ...headers },
        redirect: "manual",
      });
      return { res, html: await res.text() };
    },
  };

  function deps(): ChoresPagesDeps {
    return oneChorePagesDeps({
      chore: "unlock-account",
      roles: ROLES,
      // The page's view of a run as the runs API reads it: the parked record and the decisions.
      run: async (runId) => {
        const view = runs.get(runId);
        if (!view) return null;
        const [record, decisions] = await Promise.all([h.parked.read(runId), h.parked.decisions(runId)]);
        return withParked(view, record, decisions);
      },
      decisions: { parked: h.parked, execute },
    });
  }

  beforeAll(async () => {
    redis = await startRedis();
    const connection = { host: "127.0.0.1", port: redis.port, maxRetriesPerRequest: null };
    execute = new Queue("execute", { connection, prefix });
    client = new Redis(connection);
    h.parked = new ParkedRuns(client, prefix);
    ({ base, server } = await serveHandler((req, res) => createChoresHandler(deps())(req, res)));
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await execute?.close();
    client?.disconnect();
    await redis?.stop();
  });
  beforeEach(() => {
    runs.clear();
  });
  return h;
}
