import type { IncomingMessage, Server } from "node:http";
import { Redis } from "ioredis";
import { render } from "preact-render-to-string";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { withParked } from "../../../src/api/parked-view.js";
import type { ChoreRunView } from "../../../src/chores/chore-run-view.js";
import { choresRoute } from "../../../src/chores/chores-paths.js";
import { createChoresHandler, type ChoresPagesDeps } from "../../../src/chores/create-chores-handler.js";
import { PauseForm } from "../../../src/chores/pause-form.js";
import type { Permission } from "../../../src/github/permission.js";
import { ParkedRuns, type ParkInit } from "../../../src/stores/parked-runs.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { serveHandler } from "../../helpers/serve-handler.js";
import { runJobs } from "../pipeline/iteration-run-fixture.js";
import { entry, indexedChore, repoCatalog, runView } from "./chores-fixtures.js";

const PREFIX = "{pause-page-test}";
/** alice and carol write to acme/shop, bob only reads it. */
const ROLES: Record<string, Permission> = { alice: "write", bob: "read", carol: "write" };

describe("a running iteration's Pause and a paused run's Resume on the run page", () => {
  let redis: TestRedis;
  let client: Redis;
  let parked: ParkedRuns;
  let jobs: ReturnType<typeof runJobs>;
  let server: Server;
  let base: string;
  const runs = new Map<string, ChoreRunView>();

  /** A running iteration of acme/shop's chore (or a plain script's run with `kind: "plain"`), as the page sees it. */
  async function running(kind: "iteration" | "plain" = "iteration", repository = "acme/shop"): Promise<string> {
    const [owner, repo] = repository.split("/") as [string, string];
    const runId = await jobs.add({ owner, repo, chore: "unlock-account", kind });
    runs.set(runId, runView({ id: runId, status: "running", repository, chore: "unlock-account", requested_by: "alice", finished_at: null }));
    return runId;
  }

  async function park(runId: string, over: Partial<ParkInit>): Promise<void> {
    await parked.park({
      runId,
      kind: "paused",
      owner: "acme",
      repo: "shop",
      chore: "unlock-account",
      since: "2026-12-06T10:00:00.000Z",
      attempt: 1,
      signal: null,
      step: null,
      deadline: null,
      pullRequest: null,
      requestedBy: "alice",
      approval: null,
      ...over,
    });
  }

  async function postForm(path: string, user: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    const body = new URLSearchParams({ csrf: `token-of-${user}`, ...fields });
    const res = await fetch(`${base}${path}`, { method: "POST", body, headers: { Cookie: `user=${user}`, ...headers }, redirect: "manual" });
    return { res, html: await res.text() };
  }
  const pause = (runId: string, user: string, fields: Record<string, string> = {}, headers: Record<string, string> = {}) =>
    postForm(`/chores/runs/${runId}/pause`, user, fields, headers);
  const decide = (runId: string, user: string, fields: Record<string, string>) => postForm(`/chores/runs/${runId}/decide`, user, fields);
  const page = async (runId: string, user = "alice") => {
    const res = await fetch(`${base}/chores/runs/${runId}`, { headers: { Cookie: `user=${user}` } });
    return { res, html: await res.text() };
  };

  function deps(): ChoresPagesDeps {
    const login = (req: IncomingMessage) => /(?:^|;\s*)user=(\w+)/.exec(req.headers.cookie ?? "")?.[1] ?? null;
    const shop = repoCatalog("acme", "shop", [entry(indexedChore("unlock-account", null))]);
    const other = repoCatalog("globex", "infra", [entry(indexedChore("unlock-account", null))]);
    return {
      catalog: {
        repositories: async () => [
          { owner: "acme", repo: "shop" },
          { owner: "globex", repo: "infra" },
        ],
        read: async (o, r) => (o === "acme" && r === "shop" ? shop : o === "globex" && r === "infra" ? other : null),
        bundle: async () => null,
      },
      signIn: {
        user: (req) => (login(req) ? { login: login(req)!, id: 1 } : null),
        redirectToLogin: (_req, res) => void res.writeHead(302, { Location: "/login" }).end(),
        csrfToken: (req) => `token-of-${login(req)}`,
        verifyCsrf: (req, token) => token === `token-of-${login(req)}`,
      },
      // Nobody here can read globex/infra.
      permission: async (repo, user) => (repo.owner === "acme" ? (ROLES[user] ?? "none") : "none"),
      requiredPermission: (c) => c.config.chores.permission,
      startRun: async () => ({ runId: "unused" }),
      run: async (runId) => {
        const view = runs.get(runId);
        if (!view) return null;
        const [record, decisions, request] = await Promise.all([parked.read(runId), parked.decisions(runId), parked.pauseRequest(runId)]);
        return withParked(view, record, decisions, request);
      },
      history: async () => [],
      cancel: async () => undefined,
      decisions: { parked, execute: jobs.execute },
      fileLimit: 1024,
    };
  }

  beforeAll(async () => {
    redis = await startRedis();
    const connection = { host: "127.0.0.1", port: redis.port };
    client = new Redis({ ...connection, maxRetriesPerRequest: null });
    parked = new ParkedRuns(client, PREFIX);
    jobs = runJobs(connection, PREFIX);
    ({ base, server } = await serveHandler((req, res) => createChoresHandler(deps())(req, res)));
  });
  beforeEach(async () => {
    await client.flushall();
    runs.clear();
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await jobs?.close();
    client?.disconnect();
    await redis?.stop();
  });

  it("PauseForm posts the session's CSRF token to the run's pause route", () => {
    expect(choresRoute("/chores/runs/run-1/pause")).toEqual({ page: "pause", runId: "run-1" });
    const html = render(PauseForm({ runId: "run/1", csrf: "tok&en" }));
    expect(html).toContain('action="/chores/runs/run%2F1/pause"');
    expect(html).toContain('name="csrf" value="tok&amp;en"');
    expect(html).toContain(">Pause</button>");
  });

  it("pauses a running iteration for a writer: the page says so, the request is recorded as the page's", async () => {
    const runId = await running();
    const { res, html } = await pause(runId, "alice");
    expect(res.status).toBe(200);
    expect(html).toContain("Done: pausing: it stops after its current batch, keeping its checkpoint; Resume goes on from there.");
    expect(await parked.pauseRequest(runId)).toMatchObject({ kind: "pause", by: "alice", via: "page" });
    // A double click: the second is told who asked.
    const again = await pause(runId, "carol");
    expect(again.res.status).toBe(409);
    expect(again.html).toContain("Refused: a pause was already asked for by @alice at ");
    expect(await parked.decisions(runId)).toHaveLength(1);
  });

  it("refuses a forged form (no or another user's CSRF token, cross-site), a reader, and GET; nothing asked", async () => {
    const runId = await running();
    expect((await pause(runId, "alice", { csrf: "" })).res.status).toBe(403);
    expect((await pause(runId, "alice", { csrf: "token-of-carol" })).res.status).toBe(403);
    expect((await pause(runId, "alice", {}, { Origin: "https://evil.example" })).res.status).toBe(403);
    const reader = await pause(runId, "bob");
    expect(reader.res.status).toBe(403);
    expect(reader.html).toContain("pausing its chores' runs needs write or above");
    const get = await fetch(`${base}/chores/runs/${runId}/pause`, { headers: { Cookie: "user=alice" } });
    expect(get.status).toBe(405);
    // Not signed in: to the sign-in, nothing asked.
    expect((await fetch(`${base}/chores/runs/${runId}/pause`, { method: "POST", redirect: "manual" })).status).toBe(302);
    expect(await parked.pauseRequest(runId)).toBeNull();
    expect(await parked.decisions(runId)).toEqual([]);
  });

  it("answers a run of a repository the user cannot read, and an unknown run, as no run; a plain script's with 409", async () => {
    const hidden = await running("iteration", "globex/infra");
    expect((await pause(hidden, "alice")).res.status).toBe(404);
    expect((await pause("run-nope", "alice")).res.status).toBe(404);
    expect(await parked.pauseRequest(hidden)).toBeNull();
    const plain = await running("plain");
    const refused = await pause(plain, "alice");
    expect(refused.res.status).toBe(409);
    expect(refused.html).toContain("Refused: only an iteration can be paused; this run is not one.");
  });

  it("shows a paused run's Resume (no Roll back) carrying the pause it was shown for, and refuses it once that pause is over", async () => {
    const runId = await running();
    await park(runId, { since: "2026-12-06T10:00:00.000Z" });
    runs.set(runId, { ...runs.get(runId)!, status: "paused" });
    const shown = await page(runId);
    expect(shown.html).toContain("Paused");
    expect(shown.html).toContain('id="decide-resume"');
    expect(shown.html).not.toContain('id="decide-rollback"');
    expect(shown.html).toContain('name="paused-since" value="2026-12-06T10:00:00.000Z"');
    // A reader sees no button.
    expect((await page(runId, "bob")).html).not.toContain('id="decide-resume"');

    // Resumed and paused again since: the old form decides nothing.
    await park(runId, { since: "2026-12-06T11:00:00.000Z" });
    const stale = await decide(runId, "alice", { decision: "resume", "paused-since": "2026-12-06T10:00:00.000Z" });
    expect(stale.res.status).toBe(409);
    expect(stale.html).toContain("this page showed an earlier pause of the run");
    expect(await parked.decisions(runId)).toEqual([]);

    const fresh = await decide(runId, "alice", { decision: "resume", "paused-since": "2026-12-06T11:00:00.000Z" });
    expect(fresh.res.status).toBe(200);
    expect(await parked.decisions(runId)).toMatchObject([{ kind: "resume", by: "alice", via: "page" }]);
    // Decided: a second Resume (a double click) is refused.
    expect((await decide(runId, "carol", { decision: "resume", "paused-since": "2026-12-06T11:00:00.000Z" })).res.status).toBe(409);
  });

  it("shows an interrupted iteration's Resume only (it has no rollbacks), with why it stopped; a forged Roll back is refused", async () => {
    const runId = await running();
    await park(runId, { kind: "interrupted", failure: "item 137 threw: <b>boom</b>" });
    runs.set(runId, { ...runs.get(runId)!, status: "interrupted" });
    const { html } = await page(runId);
    expect(html).toContain('id="decide-resume"');
    expect(html).not.toContain('id="decide-rollback"');
    expect(html).toContain("Its attempt failed: item 137 threw: &lt;b>boom&lt;/b>");
    const rollback = await decide(runId, "alice", { decision: "rollback", "interrupted-since": "2026-12-06T10:00:00.000Z" });
    expect(rollback.res.status).toBe(409);
    expect(rollback.html).toContain("an iteration has no rollbacks");
    expect(await parked.decisions(runId)).toEqual([]);
    // A paused run's form posted for an interrupted run decides nothing either.
    expect((await decide(runId, "alice", { decision: "resume", "paused-since": "2026-12-06T10:00:00.000Z" })).res.status).toBe(409);
    expect(await parked.decisions(runId)).toEqual([]);
  });
});
