import type { Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { createChoresApiHandler, type ChoresApiDeps } from "../../../src/api/create-chores-api-handler.js";
import type { RunStatusView } from "../../../src/api/run-status-reader.js";
import { choreRunId } from "../../../src/pipeline/run-id.js";
import type { ChoreAsk } from "../../../src/pipeline/start-chore.js";
import { serveHandler } from "../../helpers/serve-handler.js";
import { description, entry, indexedChore, repoCatalog, runView } from "../chores/chores-fixtures.js";

const chore = indexedChore("billing/unlock", description({ account: { type: "string", required: true } }));
const catalog = repoCatalog("Acme", "Ops", [entry(chore)]);

// Attack (Redis failing mid-way): startChore adds the run's jobs, then records its history; a
// failure there throws although the run is queued. The API answered 503 "try again in a moment",
// and a client without an Idempotency-Key that did so started the chore a second time.
describe("POST /api/chores/…/runs whose start failed after its run was queued", () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  async function serve(queued: boolean) {
    const asks: ChoreAsk[] = [];
    const deps = {
      identify: async () => ({ ok: true, login: "wendy", id: 1 }),
      publicUrl: null,
      pagesServed: false,
      onDemand: {
        start: async (ask: ChoreAsk) => {
          asks.push(ask);
          throw new Error("OOM command not allowed when used memory > 'maxmemory'");
        },
        catalog: { read: async () => catalog, repositories: async () => [] },
      },
      runs: {
        get: async (runId: string): Promise<RunStatusView | null> => {
          const ask = asks[0];
          const id = ask ? choreRunId({ owner: "Acme", repo: "Ops", name: "billing/unlock", requestKey: ask.requestKey }) : null;
          return queued && runId === id ? ({ ...runView({ id: runId, status: "queued" }) } as unknown as RunStatusView) : null;
        },
      },
    } as unknown as ChoresApiDeps;
    let base: string;
    ({ server, base } = await serveHandler(createChoresApiHandler(deps)));
    const res = await fetch(`${base}/api/chores/acme/ops/billing/unlock/runs`, {
      method: "POST",
      headers: { authorization: "Bearer ghp_made-up-for-this-test", "content-type": "application/json" },
      body: JSON.stringify({ inputs: { account: "a" } }),
    });
    return { res, asks };
  }

  it("answers 202 with the run when it is there (no Idempotency-Key: a retry would have been a second run)", async () => {
    const { res, asks } = await serve(true);
    expect(res.status).toBe(202);
    const id = choreRunId({ owner: "Acme", repo: "Ops", name: "billing/unlock", requestKey: asks[0]!.requestKey });
    expect(await res.json()).toMatchObject({ run: id, status: "queued" });
  });

  it("still answers 503 when the run is not there", async () => {
    const { res } = await serve(false);
    expect(res.status).toBe(503);
  });
});
