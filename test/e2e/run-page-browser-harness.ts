import type { Server } from "node:http";
import { join } from "node:path";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import type { ChoreRunView } from "../../src/chores/chore-run-view.js";
import { createChoresHandler } from "../../src/chores/create-chores-handler.js";
import type { Permission } from "../../src/github/permission.js";
import { ParkedRuns } from "../../src/stores/parked-runs.js";
import { launchChromium, type TestChromium } from "../helpers/chromium.js";
import { startRedis, type TestRedis } from "../helpers/redis-server.js";
import { serveHandler } from "../helpers/serve-handler.js";
import { oneChorePagesDeps } from "../unit/chores/one-chore-pages-deps.js";

const DOCS = join(import.meta.dirname, "..", "..", "docs");
const LIVE = { timeout: 20_000 };
/** alice and carol write to acme/shop. */
const ROLES: Record<string, Permission> = { alice: "write", carol: "write" };

/**
 * Run pages of chore acme/shop/refund-order in a real browser (Debian's chromium, driven by
 * playwright-core): the chores pages' handler (createChoresHandler, as production serves it) on
 * a real Redis, with a real execute queue (and a worker that only takes jobs when told), real
 * parked records, and signed in by a `user` cookie. A run's page shows `runs`' view of it as
 * `show` makes it from the parked record. Registers its own hooks; the rest is there once they ran.
 */
export function runPageBrowserHarness(prefix: string, show: (view: ChoreRunView, parked: ParkedRuns, runId: string) => Promise<ChoreRunView>) {
  let redis: TestRedis;
  let client: Redis;
  let server: Server;
  const h = {
    runs: new Map<string, ChoreRunView>(),
    execute: undefined as unknown as Queue,
    worker: undefined as unknown as Worker,
    parked: undefined as unknown as ParkedRuns,
    base: "",
    browser: undefined as unknown as TestChromium,
    pageAs,
    expectText,
    shotPath,
  };

  beforeAll(async () => {
    redis = await startRedis();
    const connection = { host: "127.0.0.1", port: redis.port, maxRetriesPerRequest: null };
    client = new Redis(connection);
    h.execute = new Queue("execute", { connection, prefix });
    h.worker = new Worker("execute", null, { connection, prefix });
    h.parked = new ParkedRuns(client, prefix);
    const deps = oneChorePagesDeps({
      chore: "refund-order",
      roles: ROLES,
      run: async (runId) => {
        const view = h.runs.get(runId);
        return view ? show(view, h.parked, runId) : null;
      },
      decisions: { parked: h.parked, execute: h.execute },
    });
    ({ base: h.base, server } = await serveHandler(createChoresHandler(deps)));
    h.browser = await launchChromium({ viewport: { width: 960, height: 720 } });
  }, 60_000);

  afterAll(async () => {
    await h.browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await h.worker?.close();
    await h.execute?.close();
    client?.disconnect();
    await redis?.stop();
  });

  /** `user`'s page of the run, open. */
  async function pageAs(user: string, runId: string): Promise<Page> {
    await h.browser.context.addCookies([{ name: "user", value: user, url: h.base }]);
    const page = await h.browser.context.newPage();
    await page.goto(`${h.base}/chores/runs/${runId}`);
    return page;
  }

  /** Waits (bounded) until the locator's text, white space folded, holds each part. */
  async function expectText(locator: Locator, ...parts: string[]): Promise<void> {
    for (const part of parts) {
      await expect.poll(async () => (await locator.innerText({ timeout: 2_000 }).catch(() => "")).replace(/\s+/g, " "), LIVE).toContain(part);
    }
  }

  /** Where a screenshot goes: docs/ with UPDATE_SCREENSHOTS=1, else the browser's throwaway profile. */
  function shotPath(file: string): string {
    return process.env.UPDATE_SCREENSHOTS === "1" ? join(DOCS, file) : join(h.browser.profile, file);
  }

  return h;
}
