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
import { HOSTILE_NAMES } from "../runlog/workflow-fixtures.js";
import { entry, indexedChore, repoCatalog, runView } from "./chores-fixtures.js";

/**
 * A parked run's page and its buttons, on real Redis: the page shows what the parked record
 * says, its forms post the decision through decideRun, and the answer is the page again with
 * what was taken or why not. alice and carol write to acme/shop, bob only reads it.
 */
const ROLES: Record<string, Permission> = { alice: "write", bob: "read", carol: "write" };
const PREFIX = "{parked-page-test}";

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

describe("a run waiting for approvals", () => {
  it("says how many, given by whom, who asked; another writer sees Approve and Reject", async () => {
    const runId = await parkRun({ approval: { count: 2 } });
    await parked.decide(runId, { kind: "approve", by: "dave", via: "api", at: "2026-12-06T10:01:00.000Z" });
    const { html } = await page(runId, "carol");
    expect(html).toContain("Waiting for 2 approvals (1 given by dave); asked by alice");
    expect(html).toContain('id="decide-approve"');
    expect(html).toContain('id="decide-reject"');
    expect(html).toContain('<input type="hidden" name="csrf" value="token-of-carol"/>');
  });

  it("shows the requester no Approve, and says why; her posted approval is refused 403 with the reason and changes nothing", async () => {
    const runId = await parkRun({});
    const { html } = await page(runId, "alice");
    expect(html).not.toContain('id="decide-approve"');
    expect(html).toContain("You asked for this run, so you cannot approve it");
    const refused = await decide(runId, "alice", { decision: "approve" });
    expect(refused.res.status).toBe(403);
    expect(refused.html).toContain("Refused: you asked for this run, so you cannot approve it");
    expect((await parked.read(runId))?.approval?.approvals).toEqual([]);
  });

  it("takes another writer's approval: the run moves on, who and how recorded", async () => {
    const runId = await parkRun({});
    const taken = await decide(runId, "carol", { decision: "approve" });
    expect(taken.res.status).toBe(200);
    expect(taken.html).toContain("Done: approved (1 of 1): the run starts.");
    const record = await parked.read(runId);
    expect(record?.decision).toMatchObject({ kind: "approve", by: "carol", via: "page" });
    // The second one is refused: someone decided first.
    const again = await decide(runId, "alice", { decision: "reject" });
    expect(again.res.status).toBe(409);
    expect(again.html).toContain("Refused: already decided: approve by carol");
  });

  it("shows a reader no buttons and refuses their post; refuses a post without the token or from another site", async () => {
    const runId = await parkRun({});
    const { html } = await page(runId, "bob");
    expect(html).not.toContain('id="decide-reject"');
    expect(html).toContain("Approving or rejecting this run needs write permission");
    expect((await decide(runId, "bob", { decision: "reject" })).res.status).toBe(403);
    expect((await decide(runId, "carol", { decision: "reject", csrf: "stolen" })).res.status).toBe(403);
    expect((await decide(runId, "carol", { decision: "reject" }, { Origin: "https://evil.example" })).res.status).toBe(403);
    expect((await decide(runId, "carol", { decision: "explode" })).res.status).toBe(400);
    expect(await parked.decisions(runId)).toEqual([]);
  });
});

describe("a step waiting for a signal", () => {
  it("names the step, the signal and its deadline; Continue delivers the JSON payload", async () => {
    const runId = await parkRun({ signal: "payment-done", step: "charge", approval: null });
    const { html } = await page(runId, "carol");
    expect(html).toContain("Step charge waits for signal payment-done");
    expect(html).toContain(`POST /api/runs/${runId}/signals/payment-done`);
    const bad = await decide(runId, "carol", { decision: "signal", payload: "{not json" });
    expect(bad.res.status).toBe(400);
    const taken = await decide(runId, "carol", { decision: "signal", payload: '{"paid": 12}' });
    expect(taken.html).toContain("Done: signal &quot;payment-done&quot; delivered: step charge goes on.");
    expect(await parked.payload(runId)).toEqual({ paid: 12 });
  });

  it("refuses a payload over the limit with 413, delivering nothing", async () => {
    const runId = await parkRun({ signal: "payment-done", step: "charge", approval: null });
    const big = await decide(runId, "carol", { decision: "signal", payload: JSON.stringify("x".repeat(70 * 1024)) });
    expect(big.res.status).toBe(413);
    expect(big.html).toContain("a signal's payload may be at most");
    expect(await parked.decisions(runId)).toEqual([]);
  });
});

describe("an interrupted run", () => {
  it("says which step, what Resume and Roll back do; Resume is taken once, a second decision refused", async () => {
    const runId = await parkRun({ kind: "interrupted", signal: null, step: "charge", deadline: null, approval: null });
    const { html } = await page(runId, "carol");
    expect(html).toContain("Step charge was interrupted");
    expect(html).toContain("Resume runs step charge again from its start, then the steps after it.");
    expect(html).toContain("Roll back runs step charge's rollback if it has one");
    expect(html).not.toContain('id="run-cancel"');
    const [one, two] = await Promise.all([decide(runId, "carol", { decision: "resume" }), decide(runId, "alice", { decision: "rollback" })]);
    expect([one.res.status, two.res.status].sort()).toEqual([200, 409]);
    expect(await parked.decisions(runId)).toHaveLength(1);
  });
});

describe("hostile names", () => {
  it("are text on the page: a signal, a step and a login", async () => {
    for (const name of HOSTILE_NAMES) {
      const runId = await parkRun({ signal: name, step: name, approval: null });
      await parked.decide(runId, { kind: "signal", signal: "other", by: name, via: "api", at: "2026-12-06T10:00:00.000Z" });
      const approvals = await parkRun({ requestedBy: name, approval: { count: 2 } });
      await parked.decide(approvals, { kind: "approve", by: `x${name}`, via: "api", at: "2026-12-06T10:00:00.000Z" });
      const signalPage = (await page(runId, "carol")).html;
      const approvalPage = (await page(approvals, "carol")).html;
      for (const html of [signalPage, approvalPage]) expect(html).not.toContain("<img");
      // Shown, escaped, where the panel's words put them.
      if (name.startsWith("<img")) {
        expect(signalPage).toContain("Step &lt;img src=x onerror=alert(1)> waits for signal &lt;img");
        expect(approvalPage).toContain("(1 given by x&lt;img src=x onerror=alert(1)>); asked by &lt;img");
      }
    }
  });
});
