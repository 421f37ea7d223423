import type { IncomingMessage, Server } from "node:http";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { withParked } from "../../../src/api/parked-view.js";
import type { ChoreRunView } from "../../../src/chores/chore-run-view.js";
import { createChoresHandler, type ChoresPagesDeps } from "../../../src/chores/create-chores-handler.js";
import type { Permission } from "../../../src/github/permission.js";
import { ParkedRuns, type ParkInit } from "../../../src/stores/parked-runs.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { serveHandler } from "../../helpers/serve-handler.js";
import { entry, indexedChore, repoCatalog, runView } from "../chores/chores-fixtures.js";

/**
 * A Continue form is what its person saw: "step charge waits for signal payment-done". Posted
 * after the run went on and now waits for another signal at a later step (a tab left open, a
 * reload that resubmits the form, whose answer is a page, not a redirect), it must not deliver
 * that other signal, which its person never saw. carol writes to acme/shop.
 */
const ROLES: Record<string, Permission> = { alice: "write", bob: "read", carol: "write" };
const PREFIX = "{decisions-stale-form}";

let redis: TestRedis;
let execute: Queue;
let client: Redis;
let parked: ParkedRuns;
let server: Server;
let base: string;
let runs: Map<string, ChoreRunView>;
let n = 0;

function deps(): ChoresPagesDeps {
  const login = (req: IncomingMessage) => /(?:^|;\s*)user=(\w+)/.exec(req.headers.cookie ?? "")?.[1] ?? null;
  const catalog = repoCatalog("acme", "shop", [entry(indexedChore("unlock-account", null))]);
  return {
    catalog: {
      repositories: async () => [{ owner: "acme", repo: "shop" }],
      read: async (o, r) => (o === "acme" && r === "shop" ? catalog : null),
      bundle: async () => null,
    },
    signIn: {
      user: (req) => (login(req) ? { login: login(req)!, id: 1 } : null),
      redirectToLogin: (_req, res) => void res.writeHead(302, { Location: "/login" }).end(),
      csrfToken: (req) => `token-of-${login(req)}`,
      verifyCsrf: (req, token) => token === `token-of-${login(req)}`,
    },
    permission: async (_repo, user) => ROLES[user] ?? "none",
    requiredPermission: (c) => c.config.chores.permission,
    startRun: async () => ({ runId: "unused" }),
    // The page's view of a run as the runs API reads it: the parked record and the decisions.
    run: async (runId) => {
      const view = runs.get(runId);
      if (!view) return null;
      const [record, decisions] = await Promise.all([parked.read(runId), parked.decisions(runId)]);
      return withParked(view, record, decisions);
    },
    history: async () => [],
    cancel: async () => undefined,
    decisions: { parked, execute },
    fileLimit: 1024,
  };
}

async function parkRun(over: Partial<ParkInit>): Promise<string> {
  const runId = `run-${++n}`;
  runs.set(runId, runView({ id: runId, status: "waiting", repository: "acme/shop", chore: "unlock-account", requested_by: "alice" }));
  await parked.park({
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
}

async function page(runId: string, user = "alice") {
  const res = await fetch(`${base}/chores/runs/${runId}`, { headers: { Cookie: `user=${user}` } });
  return { res, html: await res.text() };
}

async function decide(runId: string, user: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  const body = new URLSearchParams({ csrf: `token-of-${user}`, ...fields });
  const res = await fetch(`${base}/chores/runs/${runId}/decide`, { method: "POST", body, headers: { Cookie: `user=${user}`, ...headers }, redirect: "manual" });
  return { res, html: await res.text() };
}

beforeAll(async () => {
  redis = await startRedis();
  const connection = { host: "127.0.0.1", port: redis.port, maxRetriesPerRequest: null };
  execute = new Queue("execute", { connection, prefix: PREFIX });
  client = new Redis(connection);
  parked = new ParkedRuns(client, PREFIX);
  ({ base, server } = await serveHandler((req, res) => createChoresHandler(deps())(req, res)));
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await execute?.close();
  client?.disconnect();
  await redis?.stop();
});
beforeEach(() => {
  runs = new Map();
});

/** The form fields the page's Continue form posts, as a browser would send them. */
function continueForm(html: string): Record<string, string> {
  const form = /<form method="post" action="[^"]*" class="decide">([\s\S]*?)<\/form>/.exec(html)?.[1] ?? "";
  const fields: Record<string, string> = {};
  for (const [, name, value] of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields[name!] = value!;
  return fields;
}

describe("attack: a Continue form posted after the run waits for another signal", () => {
  it("delivers nothing to the wait its person never saw, and still continues the wait it showed", async () => {
    const runId = await parkRun({ signal: "payment-done", step: "charge", approval: null });
    const form = continueForm((await page(runId, "carol")).html);
    expect(form.decision).toBe("signal");

    // The run went on (someone else continued it) and a later step now waits for another signal.
    await parked.clear(runId);
    await parked.park({
      runId,
      kind: "waiting",
      owner: "acme",
      repo: "shop",
      chore: "unlock-account",
      since: "2026-12-06T11:00:00.000Z",
      attempt: 1,
      signal: "wipe-accounts",
      step: "wipe",
      deadline: "2026-12-08T11:00:00.000Z",
      pullRequest: null,
      requestedBy: "alice",
      approval: null,
    });
    const stale = await decide(runId, "carol", { ...form, payload: '{"paid": 12}' });
    expect(stale.res.status).toBe(409);
    expect((await parked.read(runId))?.decision).toBeNull();
    expect(await parked.decisions(runId)).toEqual([]);

    // The form of the wait as it is now continues it.
    const fresh = continueForm((await page(runId, "carol")).html);
    const taken = await decide(runId, "carol", { ...fresh, payload: '{"ok": true}' });
    expect(taken.res.status).toBe(200);
    expect((await parked.read(runId))?.decision).toMatchObject({ kind: "signal", signal: "wipe-accounts", by: "carol", via: "page" });
  });
});

/** The fields of the page's form whose button is `decision`, as a browser would post them. */
function buttonForm(html: string, decision: string): Record<string, string> {
  const forms = [...html.matchAll(/<form method="post" action="[^"]*" class="decide-one">([\s\S]*?)<\/form>/g)].map((m) => m[1]!);
  const form = forms.find((f) => f.includes(`id="decide-${decision}"`)) ?? "";
  const fields: Record<string, string> = {};
  for (const [, name, value] of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields[name!] = value!;
  return fields;
}

async function interrupt(runId: string, step: string, attempt: number, since: string): Promise<void> {
  await parked.park({
    runId,
    kind: "interrupted",
    owner: "acme",
    repo: "shop",
    chore: "unlock-account",
    since,
    attempt,
    signal: null,
    step,
    deadline: null,
    pullRequest: null,
    requestedBy: "alice",
    approval: null,
  });
}

describe("attack: a Resume or Roll back form posted after the run was interrupted again", () => {
  it.each(["resume", "rollback"])("%s decides nothing on an interruption its person never saw, and still decides the one it showed", async (decision) => {
    const runId = await parkRun({ kind: "interrupted", signal: null, step: "charge", deadline: null, approval: null });
    const form = buttonForm((await page(runId, "carol")).html, decision);
    expect(form.decision).toBe(decision);

    // Someone resumed it; its worker was lost again, at a later step.
    expect((await decide(runId, "alice", { decision: "resume" })).res.status).toBe(200);
    await parked.clear(runId);
    await interrupt(runId, "ship", 2, "2026-12-06T12:00:00.000Z");
    const stale = await decide(runId, "carol", form);
    expect(stale.res.status).toBe(409);
    expect((await parked.read(runId))?.decision).toBeNull();
    expect(await parked.decisions(runId)).toHaveLength(1);

    const fresh = buttonForm((await page(runId, "carol")).html, decision);
    expect((await decide(runId, "carol", fresh)).res.status).toBe(200);
    expect((await parked.read(runId))?.decision).toMatchObject({ kind: decision, by: "carol", via: "page" });
  });
});
