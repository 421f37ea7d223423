import type { Server } from "node:http";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createChoresApiHandler, type ChoresApiDeps } from "../../../src/api/create-chores-api-handler.js";
import { runEventsSettings } from "../../../src/api/run-events-route.js";
import type { RunStatusView } from "../../../src/api/run-status-reader.js";
import { INSTALLATION_TOKEN_REFUSED, type TokenIdentity } from "../../../src/auth/user-token.js";
import { BODY_LIMIT } from "../../../src/http/body-limits.js";
import type { Permission } from "../../../src/github/permission.js";
import type { ChoreAsk, ChoreStart } from "../../../src/pipeline/start-chore.js";
import { RunNames } from "../../../src/stores/run-names.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { basicAuth, serveHandler } from "../../helpers/serve-handler.js";
import { description, entry, indexedChore, repoCatalog, runView } from "../chores/chores-fixtures.js";

const PREFIX = "{chores-api-test}";
const WENDY = "ghp_wendy-token-made-for-this-test";
const RITA = "ghp_rita-token-made-for-this-test";
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const JSON_TYPE = { "content-type": "application/json" };

const chore = indexedChore("billing/unlock", description({ account: { type: "string", required: true } }));
const catalogs = {
  "acme/ops": repoCatalog("acme", "ops", [entry(chore)]),
  "acme/other": repoCatalog("acme", "other", [entry(chore)]),
};

describe("createChoresApiHandler", () => {
  let redis: TestRedis;
  let client: Redis;
  let names: RunNames;
  let base: string;
  let server: Server;
  let asks: ChoreAsk[];
  let startAnswer: ChoreStart;
  let identified: string[];
  let failReads = false;
  const roles: Record<string, Record<string, Permission>> = {
    wendy: { "acme/ops": "write", "acme/other": "none" },
    rita: { "acme/ops": "read", "acme/other": "read" },
  };
  const views = new Map<string, RunStatusView>();
  const events = runEventsSettings({
    perUser: 1,
    total: 10,
    timing: { wait: async () => undefined, pollMs: 0, heartbeatPolls: 15, maxPolls: 20 },
    logWaitPolls: 2,
  });

  const identities: Record<string, TokenIdentity> = {
    [WENDY]: { ok: true, login: "wendy", id: 1 },
    [RITA]: { ok: true, login: "rita", id: 2 },
    ghs_installation: { ok: false, status: 403, reason: "installation", message: INSTALLATION_TOKEN_REFUSED },
    ghp_github_is_down: { ok: false, status: 503, reason: "unavailable", message: "GitHub could not say who this token is; try again in a moment." },
  };

  function deps(): ChoresApiDeps {
    return {
      onDemand: {
        start: async (ask) => {
          asks.push(ask);
          return startAnswer;
        },
        catalog: {
          read: async (owner, repo) => catalogs[`${owner}/${repo}` as keyof typeof catalogs] ?? null,
          repositories: async () => Object.values(catalogs).map(({ owner, repo }) => ({ owner, repo })),
        },
        permission: async (repo, login) => roles[login]?.[`${repo.owner}/${repo.repo}`] ?? "none",
        requiredPermission: () => "write",
        names,
      },
      runs: {
        get: async (runId) => {
          if (failReads) throw new Error("Redis is away");
          return views.get(runId) ?? null;
        },
      },
      identify: async (token) => {
        identified.push(token);
        return (
          identities[token] ?? {
            ok: false,
            status: 401,
            reason: "rejected",
            message: "GitHub rejected the token (Bad credentials): it is wrong, expired or revoked.",
          }
        );
      },
      publicUrl: "https://chorebot.example.com",
      pagesServed: true,
      events,
    };
  }

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${base}/api/chores/${path}`, { method: "POST", headers: { ...bearer(WENDY), ...JSON_TYPE, ...headers }, body });

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis({ host: "127.0.0.1", port: redis.port });
    names = new RunNames(client, PREFIX, 60_000);
    ({ base, server } = await serveHandler(createChoresApiHandler(deps())));
  });
  beforeEach(() => {
    asks = [];
    identified = [];
    startAnswer = { ok: true, runId: "ops-chore-billing-unlock-1", catalog: catalogs["acme/ops"], chore };
    views.clear();
  });
  afterEach(async () => {
    await client.flushall();
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    client?.disconnect();
    await redis?.stop();
  });

  it("starts a run as the token's user with trigger api, the user's own idempotency key, and answers 202 with its URLs", async () => {
    views.set("ops-chore-billing-unlock-1", runView({ id: "ops-chore-billing-unlock-1", status: "queued" }) as unknown as RunStatusView);
    const res = await post("acme/ops/billing/unlock/runs", JSON.stringify({ inputs: { account: "acct_1", n: 3, on: true }, name: "nightly" }), {
      "idempotency-key": "k-1",
    });
    expect(res.status).toBe(202);
    const run = "https://chorebot.example.com/api/runs/ops-chore-billing-unlock-1";
    expect(res.headers.get("location")).toBe(run);
    expect(await res.json()).toEqual({
      run: "ops-chore-billing-unlock-1",
      name: "nightly",
      status: "queued",
      urls: { run, events: `${run}/events`, page: "https://chorebot.example.com/chores/runs/ops-chore-billing-unlock-1" },
    });
    expect(asks).toEqual([
      {
        owner: "acme",
        repo: "ops",
        chore: "billing/unlock",
        login: "wendy",
        values: { account: "acct_1", n: "3", on: "true" },
        requestKey: "api:wendy:k-1",
        trigger: "api",
        name: "nightly",
      },
    ]);
    // A run queued is answered 202 even when its status cannot be read just then.
    views.clear();
    failReads = true;
    const unread = await post("acme/ops/billing/unlock/runs", "{}");
    failReads = false;
    expect(unread.status).toBe(202);
    expect(await unread.json()).toMatchObject({ run: "ops-chore-billing-unlock-1", status: "queued" });
    asks.length = 0;
    // Without a key, each request is its own.
    await post("acme/ops/billing/unlock/runs", "{}");
    await post("acme/ops/billing/unlock/runs", "{}");
    expect(asks[0]!.requestKey).not.toBe(asks[1]!.requestKey);
  });

  it("answers each refusal of the gate with its status and what a client needs", async () => {
    views.set("holder", runView({ id: "holder", status: "running" }) as unknown as RunStatusView);
    const cases: Array<[ChoreStart, number, Record<string, unknown>, Record<string, string>?]> = [
      [
        { ok: false, status: 409, reason: "name-taken", message: "The name n is taken in acme/ops by run holder.", runId: "holder" },
        409,
        { run: "holder", status: "running" },
      ],
      [{ ok: false, status: 422, reason: "invalid-inputs", message: "bad", errors: { account: "is required" } }, 422, { errors: { account: "is required" } }],
      [{ ok: false, status: 403, reason: "forbidden", message: "no", permission: "read", required: "write" }, 403, { permission: "read", required: "write" }],
      [{ ok: false, status: 429, reason: "rate-limited", message: "slow down", retryAfterMs: 1500 }, 429, { error: "slow down" }, { "retry-after": "2" }],
      [{ ok: false, status: 404, reason: "unknown-chore", message: "There is no chore x" }, 404, { error: "There is no chore x" }],
      [{ ok: false, status: 409, reason: "not-runnable", message: "no version" }, 409, { error: "no version" }],
      [{ ok: false, status: 400, reason: "bad-name", message: "not a name" }, 400, { error: "not a name" }],
    ];
    for (const [refusal, status, body, headers = {}] of cases) {
      startAnswer = refusal;
      const res = await post("acme/ops/billing/unlock/runs", "{}");
      expect(res.status, refusal.ok ? "" : refusal.reason).toBe(status);
      expect(await res.json()).toMatchObject(body);
      for (const [name, value] of Object.entries(headers)) expect(res.headers.get(name)).toBe(value);
    }
  });

  it("asks for a user token: none, or the dashboard's basic login, is 401 and starts nothing", async () => {
    const none = await fetch(`${base}/api/chores/acme/ops/billing/unlock/runs`, { method: "POST", headers: JSON_TYPE, body: "{}" });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="chorebot"');
    const basic = await fetch(`${base}/api/chores/acme/ops/billing/unlock/runs`, {
      method: "POST",
      headers: { ...basicAuth("ops", "pw"), ...JSON_TYPE },
      body: "{}",
    });
    expect(basic.status).toBe(401);
    expect(((await basic.json()) as { error: string }).error).toContain("the dashboard's login is not taken here");
    expect(asks).toEqual([]);
  });

  it("refuses an installation token with what to use instead, a rejected one with 401, and says 503 when GitHub is down", async () => {
    const installation = await post("acme/ops/billing/unlock/runs", "{}", bearer("ghs_installation"));
    expect(installation.status).toBe(403);
    expect(await installation.json()).toEqual({ error: INSTALLATION_TOKEN_REFUSED });
    const rejected = await post("acme/ops/billing/unlock/runs", "{}", bearer("ghp_wrong"));
    expect(rejected.status).toBe(401);
    expect(((await rejected.json()) as { error: string }).error).toContain("GitHub rejected the token");
    const down = await post("acme/ops/billing/unlock/runs", "{}", bearer("ghp_github_is_down"));
    expect(down.status).toBe(503);
    expect(asks).toEqual([]);
  });

  it("refuses what is not a JSON object, clearly: wrong type 415, not JSON 400, too large 413, unknown fields 400, bad values 422", async () => {
    expect((await post("acme/ops/billing/unlock/runs", "account=acct_1", { "content-type": "application/x-www-form-urlencoded" })).status).toBe(415);
    expect((await fetch(`${base}/api/chores/acme/ops/billing/unlock/runs`, { method: "POST", headers: bearer(WENDY), body: "{}" })).status).toBe(415);
    expect((await post("acme/ops/billing/unlock/runs", "{not json")).status).toBe(400);
    expect((await post("acme/ops/billing/unlock/runs", "[1,2]")).status).toBe(400);
    expect((await post("acme/ops/billing/unlock/runs", JSON.stringify({ inputs: { a: "x".repeat(BODY_LIMIT) } }))).status).toBe(413);
    expect((await post("acme/ops/billing/unlock/runs", JSON.stringify({ input: {} }))).status).toBe(400);
    const values = await post("acme/ops/billing/unlock/runs", JSON.stringify({ inputs: { a: ["x"], b: { c: 1 } } }));
    expect(values.status).toBe(422);
    expect(await values.json()).toMatchObject({ errors: { a: expect.any(String), b: expect.any(String) } });
    expect((await post("acme/ops/billing/unlock/runs", "{}", { "idempotency-key": "has space" })).status).toBe(400);
    expect((await post("acme/ops/billing/unlock/runs", "{}", { "content-type": "application/vnd.api+json" })).status).toBe(202);
    expect(asks).toHaveLength(1);
  });

  it("refuses traversal in chore names and other methods before asking GitHub", async () => {
    for (const path of ["acme/ops/../x/runs", "acme/ops/a%2F..%2Fb/runs", "acme/../ops/x/runs"]) {
      const res = await post(path, "{}");
      expect(res.status, path).toBe(400);
    }
    expect((await fetch(`${base}/api/chores/acme/ops/billing/unlock/runs`, { headers: bearer(WENDY) })).status).toBe(405);
    expect(identified).toEqual([]);
    expect(asks).toEqual([]);
  });

  it("slows a client guessing tokens: after 10 rejected ones, even a good token waits (429), GitHub not asked; a missing token is no guess", async () => {
    const { base: other, server: guarded } = await serveHandler(createChoresApiHandler(deps()));
    try {
      const send = (headers: Record<string, string>) => fetch(`${other}/api/chores/acme/ops`, { headers });
      for (let i = 0; i < 12; i++) expect((await send({})).status).toBe(401);
      for (let i = 0; i < 10; i++) expect((await send(bearer(`ghp_guess_${i}`))).status).toBe(401);
      const good = await send(bearer(WENDY));
      expect(good.status).toBe(429);
      expect(Number(good.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(identified.filter((token) => token === WENDY)).toEqual([]);
    } finally {
      await new Promise((resolve) => guarded.close(resolve));
    }
  });

  it("lists a repository's chores to a reader, and hides a repository the user cannot read (404)", async () => {
    const listed = await fetch(`${base}/api/chores/acme/ops`, { headers: bearer(RITA) });
    expect(listed.status).toBe(200);
    expect(await listed.json()).toMatchObject({
      repository: "acme/ops",
      permission: "read",
      required_permission: "write",
      can_run: false,
      chores: [{ name: "billing/unlock", runnable: true, inputs: { account: { type: "string", required: true } } }],
    });
    expect((await fetch(`${base}/api/chores/acme/other`, { headers: bearer(WENDY) })).status).toBe(404);
    expect((await fetch(`${base}/api/chores/acme/missing`, { headers: bearer(WENDY) })).status).toBe(404);
  });

  it("leaves /api/runs without a user token to the dashboard's login, and other paths to the next handler", async () => {
    for (const path of ["/api/runs/r-1", "/api/runs?name=x", "/api/runs/r-1/events"]) {
      expect((await fetch(`${base}${path}`, { headers: basicAuth("ops", "pw") })).status, path).toBe(404);
      expect(await (await fetch(`${base}${path}`)).text()).toBe("not found");
    }
    expect((await fetch(`${base}/api/runs/r-1/cancel`, { method: "POST", headers: bearer(WENDY) })).status).toBe(404);
    expect((await fetch(`${base}/chores`, { headers: bearer(WENDY) })).status).toBe(404);
    expect(identified).toEqual([]);
  });

  it("shows a chore run to who can read its repository; a merged script's run or another repository's is no run (404)", async () => {
    views.set("ops-run", runView({ id: "ops-run", repository: "acme/ops" }) as unknown as RunStatusView);
    views.set("other-run", runView({ id: "other-run", repository: "acme/other" }) as unknown as RunStatusView);
    views.set("merged", runView({ id: "merged", repository: "acme/ops", chore: null, trigger: "merge" }) as unknown as RunStatusView);
    expect(await (await fetch(`${base}/api/runs/ops-run`, { headers: bearer(WENDY) })).json()).toMatchObject({ id: "ops-run" });
    for (const run of ["other-run", "merged", "nothing"]) expect((await fetch(`${base}/api/runs/${run}`, { headers: bearer(WENDY) })).status, run).toBe(404);
  });

  it("finds runs by name in Redis, in every repository the user can read or in the one asked for", async () => {
    await names.claim({ owner: "acme", repo: "ops" }, "nightly", "ops-run");
    await names.claim({ owner: "acme", repo: "other" }, "Nightly", "other-run");
    views.set("ops-run", runView({ id: "ops-run", repository: "acme/ops" }) as unknown as RunStatusView);
    views.set("other-run", runView({ id: "other-run", repository: "acme/other" }) as unknown as RunStatusView);
    const ids = async (query: string, token: string) =>
      ((await (await fetch(`${base}/api/runs?${query}`, { headers: bearer(token) })).json()) as { runs: { id: string }[] }).runs.map((r) => r.id);
    expect((await ids("name=NIGHTLY", RITA)).sort()).toEqual(["ops-run", "other-run"]);
    expect(await ids("name=nightly", WENDY)).toEqual(["ops-run"]);
    expect(await ids("name=nightly&repo=acme/other", RITA)).toEqual(["other-run"]);
    expect(await ids("name=weekly", RITA)).toEqual([]);
    for (const query of ["name=", "name=a%20b", "name=x&repo=acme", "name=x&repo=a/b/c", "status=running"]) {
      expect((await fetch(`${base}/api/runs?${query}`, { headers: bearer(RITA) })).status, query).toBe(400);
    }
  });

  it("streams a run's events to its end, and refuses a stream past the caller's limit (429)", async () => {
    const log = { path: "logs/chores/x.md", commit: "f".repeat(40), url: null };
    views.set("ops-run", runView({ id: "ops-run", repository: "acme/ops", output: [{ t: 5, stream: "log", text: "hello" }], log }) as unknown as RunStatusView);
    const text = await (await fetch(`${base}/api/runs/ops-run/events`, { headers: bearer(WENDY) })).text();
    expect(text).toContain('event: state\nid: 1-r-5-1\ndata: {"status":"succeeded","final":true');
    expect(text).toContain('"text":"hello"');
    expect(text.endsWith("event: end\ndata: null\n\n")).toBe(true);

    const release = events.streams.acquire("user:wendy")!;
    try {
      const refused = await fetch(`${base}/api/runs/ops-run/events`, { headers: bearer(WENDY) });
      expect(refused.status).toBe(429);
      // Another user has room of their own.
      expect((await fetch(`${base}/api/runs/ops-run/events`, { headers: bearer(RITA) })).status).toBe(200);
    } finally {
      release();
    }
    expect((await fetch(`${base}/api/runs/other-run/events`, { headers: bearer(WENDY) })).status).toBe(404);
  });
});
