import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RepoCatalog } from "../../../src/catalog-types.js";
import type { Permission } from "../../../src/github/permission.js";
import type { ChoreRunRequest } from "../../../src/pipeline/enqueue-chore-run.js";
import { choreRunId } from "../../../src/pipeline/run-id.js";
import { startChore, type ChoreAsk, type ChoreStart, type StartChoreDeps } from "../../../src/pipeline/start-chore.js";
import { RequestRate } from "../../../src/stores/request-rate.js";
import { RunNames } from "../../../src/stores/run-names.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { description, entry, indexedChore, repoCatalog } from "../chores/chores-fixtures.js";

const PREFIX = "{start-chore-test}";
const SECRET = "tok_live_do-not-echo-9f8e7d";

const unlock = indexedChore(
  "unlock-account",
  description({
    account: { type: "string", required: true, pattern: "^acct_\\d+$" },
    limit: { type: "int", required: false, default: 100, min: 1, max: 1000 },
    notify: { type: "bool", required: false, default: true },
    token: { type: "string", required: false, secret: true, pattern: "^tok_" },
    csv: { type: "file", required: false },
  }),
);

function shopCatalog(): RepoCatalog {
  return repoCatalog("acme", "shop", [
    entry(unlock),
    entry(null, { name: "broken", problem: { commit: "d".repeat(40), message: "its pull request had no approval" } }),
  ]);
}

/** Fakes for what GitHub and the catalog say; the names and the rate are the real stores on a throwaway Redis. */
interface World {
  deps: StartChoreDeps;
  roles: Map<string, Permission>;
  queued: ChoreRunRequest[];
  catalogReads: number;
  rateTakes: number;
  /** Makes the next enqueue throw. */
  failNextEnqueue: Error | null;
}

describe("startChore", () => {
  let server: TestRedis;
  let redis: Redis;
  let names: RunNames;
  let w: World;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis({ host: "127.0.0.1", port: server.port, maxRetriesPerRequest: null });
    names = new RunNames(redis, PREFIX, 60 * 60 * 1000);
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  beforeEach(async () => {
    await redis.flushall();
    const rate = new RequestRate(redis, PREFIX, { max: 3, windowMs: 60_000 });
    const world: World = {
      roles: new Map([
        ["alice", "write"],
        ["bob", "write"],
        ["rita", "read"],
      ]),
      queued: [],
      catalogReads: 0,
      rateTakes: 0,
      failNextEnqueue: null,
      deps: undefined as unknown as StartChoreDeps,
    };
    world.deps = {
      catalog: {
        read: async (owner, repo) => {
          world.catalogReads++;
          return owner === "acme" && repo === "shop" ? shopCatalog() : null;
        },
      },
      permission: async (_repo, login) => world.roles.get(login) ?? "none",
      requiredPermission: (catalog) => catalog.config.chores.permission,
      names,
      rate: {
        take: (login, repo) => {
          world.rateTakes++;
          return rate.take(login, repo);
        },
      },
      enqueue: async (request) => {
        const error = world.failNextEnqueue;
        world.failNextEnqueue = null;
        if (error) throw error;
        world.queued.push(request);
        return { runId: choreRunId({ owner: request.catalog.owner, repo: request.catalog.repo, name: request.chore.name, requestKey: request.requestKey }) };
      },
      fileLimit: 1024,
    };
    w = world;
  });

  function ask(o: Partial<ChoreAsk> = {}): ChoreAsk {
    return {
      owner: "acme",
      repo: "shop",
      chore: "unlock-account",
      login: "alice",
      values: { account: "acct_1" },
      requestKey: "comment-1001",
      trigger: "api",
      ...o,
    };
  }

  function refusal(start: ChoreStart) {
    if (start.ok) throw new Error(`expected a refusal, got run ${start.runId}`);
    return start;
  }

  it("queues a valid request with what the run needs, and answers its run id", async () => {
    const comment = { url: "https://github.example/acme/shop/issues/3#issuecomment-1001", issueNumber: 3, commentId: 1001, replyId: 2002 };
    const start = await startChore(w.deps, ask({ trigger: "comment", name: "Nightly-1", comment, values: { account: "acct_7", limit: " 7 " } }));
    const runId = choreRunId({ owner: "acme", repo: "shop", name: "unlock-account", requestKey: "comment-1001" });
    expect(start).toMatchObject({ ok: true, runId, chore: { name: "unlock-account" }, catalog: { owner: "acme", repo: "shop" } });
    expect(w.queued).toHaveLength(1);
    expect(w.queued[0]).toMatchObject({
      requestedBy: "alice",
      requestKey: "comment-1001",
      trigger: "comment",
      name: "Nightly-1",
      comment,
      values: { account: "acct_7", limit: "7" },
      files: {},
    });
    expect(await names.find({ owner: "acme", repo: "shop" }, "nightly-1")).toBe(runId);
  });

  it("lets a bool left out of the request take its default (only the form's unticked box means false)", async () => {
    await startChore(w.deps, ask({ requestKey: "k-1" }));
    await startChore(w.deps, ask({ requestKey: "k-2", values: { account: "acct_1", notify: "false" } }));
    await startChore(w.deps, ask({ requestKey: "k-3", values: { account: "acct_1", notify: "" } }));
    expect(w.queued.map((request) => request.values)).toEqual([
      { account: "acct_1", limit: "100" },
      { account: "acct_1", limit: "100", notify: "false" },
      { account: "acct_1", limit: "100" },
    ]);
  });

  it("refuses in order: name, visibility, role, rate, runnable version, inputs, then a taken name", async () => {
    // Everything wrong at once: the first rule decides, and nothing was asked of anything.
    const bad = refusal(await startChore(w.deps, ask({ name: "no spaces", login: "nobody", chore: "nope", values: { stray: "x" } })));
    expect(bad).toMatchObject({ status: 400, reason: "bad-name" });
    expect(bad.message).toContain("is not a run name");
    expect(w.catalogReads).toBe(0);

    expect(refusal(await startChore(w.deps, ask({ login: "nobody", chore: "nope", values: { stray: "x" } })))).toMatchObject({
      status: 404,
      reason: "unknown-chore",
    });
    expect(refusal(await startChore(w.deps, ask({ login: "nobody", values: { stray: "x" } })))).toMatchObject({ status: 404, reason: "unknown-chore" });
    const forbidden = refusal(await startChore(w.deps, ask({ login: "rita", chore: "broken", values: { stray: "x" } })));
    expect(forbidden).toEqual({
      ok: false,
      status: 403,
      reason: "forbidden",
      permission: "read",
      required: "write",
      message: "@rita has read permission on acme/shop; running its chores needs write or above.",
    });
    // Refusals before the rate do not count against it.
    expect(w.rateTakes).toBe(0);

    expect(refusal(await startChore(w.deps, ask({ chore: "broken", values: { stray: "x" } })))).toEqual({
      ok: false,
      status: 409,
      reason: "not-runnable",
      message: "The chore broken has no version that may run (its pull request had no approval).",
    });
    expect(refusal(await startChore(w.deps, ask({ values: { stray: "x" } })))).toMatchObject({ status: 422, reason: "invalid-inputs" });
    expect(refusal(await startChore(w.deps, ask({ values: {} })))).toMatchObject({ status: 422, reason: "invalid-inputs", errors: { account: "is required" } });
    expect(w.rateTakes).toBe(3);
    const limited = refusal(await startChore(w.deps, ask({ name: "taken", values: { stray: "x" } })));
    expect(limited).toMatchObject({ status: 429, reason: "rate-limited" });
    expect(limited.message).toMatch(/^Too many runs asked for by @alice in acme\/shop: try again in (59|60) s\.$/);

    // Another user, with the name taken by someone else's run: the last rule.
    await names.claim({ owner: "acme", repo: "shop" }, "taken", "run-of-carol");
    expect(refusal(await startChore(w.deps, ask({ login: "bob", name: "TAKEN" })))).toEqual({
      ok: false,
      status: 409,
      reason: "name-taken",
      runId: "run-of-carol",
      message: "The name TAKEN is taken in acme/shop by run run-of-carol.",
    });
    expect(w.queued).toEqual([]);
  });

  it("answers a chore hidden from the user exactly as one that does not exist", async () => {
    const hidden = refusal(await startChore(w.deps, ask({ login: "mallory" })));
    const missing = refusal(await startChore(w.deps, ask({ login: "mallory", chore: "unlock-accounts" })));
    const elsewhere = refusal(await startChore(w.deps, ask({ login: "mallory", owner: "acme", repo: "secret-repo", chore: "unlock-account" })));
    expect(hidden).toEqual({ ...missing, message: hidden.message });
    expect(hidden.message).toBe("There is no chore unlock-account in acme/shop that you can see.");
    expect(missing.message).toBe("There is no chore unlock-accounts in acme/shop that you can see.");
    expect(elsewhere).toMatchObject({ status: 404, reason: "unknown-chore" });
  });

  it("names every bad input with its message: unknown names, bad values, files given as text and text as files", async () => {
    const csv = { filename: "ids.csv", bytes: Buffer.from("1\n") };
    const start = await startChore(
      w.deps,
      ask({
        // As an API body parses: `__proto__` an own property, not the prototype.
        values: JSON.parse('{"account":"acct_x","limit":"0","csv":"/etc/passwd","acount":"acct_1","__proto__":"x","constructor":"y"}') as Record<
          string,
          string
        >,
        files: { account: csv, extra: csv },
      }),
    );
    const refused = refusal(start);
    expect(refused).toMatchObject({ status: 422, reason: "invalid-inputs", message: "The inputs of unlock-account are not valid." });
    if (refused.reason !== "invalid-inputs") throw new Error("unreachable");
    expect(Object.getPrototypeOf(refused.errors)).toBe(Object.prototype);
    expect(Object.keys(refused.errors).sort()).toEqual(["__proto__", "account", "acount", "constructor", "csv", "extra", "limit"].sort());
    expect(refused.errors).toMatchObject({
      acount: "is not an input of this chore",
      constructor: "is not an input of this chore",
      extra: "is not an input of this chore",
      csv: "is a file input: upload a file instead of giving a value",
      account: "is not a file input: give it a value",
      limit: 'must be an integer between 1 and 1000, got "0"',
    });
    expect(Object.getOwnPropertyDescriptor(refused.errors, "__proto__")?.value).toBe("is not an input of this chore");
    expect(JSON.parse(JSON.stringify(refused.errors))).toHaveProperty("__proto__");
    expect(w.queued).toEqual([]);
  });

  it("refuses a value that is not text (an API body's number or object) instead of failing", async () => {
    const values = { account: 42, limit: { n: 1 } } as unknown as Record<string, string>;
    const refused = refusal(await startChore(w.deps, ask({ values })));
    expect(refused).toMatchObject({
      status: 422,
      errors: { account: "must be given as text (as it would be typed)", limit: "must be given as text (as it would be typed)" },
    });
  });

  it("never puts a secret value in a refusal", async () => {
    const attempts: Array<Record<string, string>> = [
      { account: "acct_1", token: SECRET.replace("tok_", "tk_") },
      { account: "acct_1", token: "tok_" },
      { account: "acct_x", token: SECRET, acount: "acct_1" },
    ];
    for (const values of attempts) {
      const refused = refusal(await startChore(w.deps, ask({ values, name: "secret-run", requestKey: `k-${values.token}` })));
      expect(refused.status).toBe(422);
      expect(JSON.stringify(refused)).not.toContain(values.token);
    }
    // Nor when something else refuses a request carrying one.
    for (const o of [{ login: "mallory" }, { login: "rita" }, { chore: "broken" }]) {
      const refused = refusal(await startChore(w.deps, ask({ ...o, values: { account: "acct_1", token: SECRET } })));
      expect(JSON.stringify(refused)).not.toContain(SECRET);
    }
  });

  it("echoes no more than a bounded part of a huge name, chore or input name", async () => {
    const huge = "x".repeat(100_000);
    for (const o of [{ name: huge }, { chore: huge }, { values: { account: "acct_1", [huge]: "1" } }]) {
      expect(JSON.stringify(refusal(await startChore(w.deps, ask(o)))).length).toBeLessThan(1000);
    }
  });

  it("refuses a second run with a taken name in any case, naming the first run", async () => {
    const first = await startChore(w.deps, ask({ name: "backfill-2026-12" }));
    expect(first.ok).toBe(true);
    const second = refusal(await startChore(w.deps, ask({ login: "bob", name: "BACKFILL-2026-12", requestKey: "comment-1002" })));
    expect(second).toMatchObject({ status: 409, reason: "name-taken", runId: first.ok ? first.runId : "" });
    expect(w.queued).toHaveLength(1);
  });

  it("lets exactly one of two racing starts with the same name run", async () => {
    const [one, two] = await Promise.all([
      startChore(w.deps, ask({ name: "race", requestKey: "key-one" })),
      startChore(w.deps, ask({ login: "bob", name: "race", requestKey: "key-two" })),
    ]);
    expect([one.ok, two.ok].sort()).toEqual([false, true]);
    const winner = one.ok ? one : two.ok ? two : null;
    const loser = refusal(one.ok ? two : one);
    expect(loser).toMatchObject({ status: 409, reason: "name-taken", runId: winner!.runId });
    expect(w.queued).toHaveLength(1);
  });

  it("answers a retried request (same key, same name) with its run again, without a refusal", async () => {
    const first = await startChore(w.deps, ask({ name: "once" }));
    const again = await startChore(w.deps, ask({ name: "once" }));
    expect(first.ok && again.ok).toBe(true);
    expect(again.ok && first.ok && again.runId === first.runId).toBe(true);
    // The queue is asked again with the same key: enqueueChoreRun's job ids make it one run.
    expect(w.queued.map((request) => request.requestKey)).toEqual(["comment-1001", "comment-1001"]);
    expect(await names.find({ owner: "acme", repo: "shop" }, "once")).toBe(first.ok ? first.runId : null);
  });

  it("claims no other name when a queued run's request is retried with a changed name", async () => {
    const queued = new Set<string>();
    const deps: StartChoreDeps = {
      ...w.deps,
      enqueue: async (request) => {
        const answer = await w.deps.enqueue(request);
        queued.add(answer.runId);
        return answer;
      },
      exists: async (runId) => queued.has(runId),
    };
    const first = await startChore(deps, ask({ name: "first" }));
    const again = await startChore(deps, ask({ name: "second" }));
    expect(again).toEqual(first);
    expect(w.queued).toHaveLength(1);
    expect(await names.find({ owner: "acme", repo: "shop" }, "second")).toBeNull();
    expect(await names.find({ owner: "acme", repo: "shop" }, "first")).toBe(first.ok ? first.runId : null);
  });

  it("queues nothing for a retried unnamed request whose run exists: its inputs are never stored again", async () => {
    // Found attacking #20: the run's stored inputs are dropped once it is recorded; a request with
    // the same key and other values then stored those (RunInputs keeps only a first save while there
    // is one), and a dashboard retry of the run ran with them while its log showed the first.
    const queued = new Set<string>();
    const deps: StartChoreDeps = {
      ...w.deps,
      enqueue: async (request) => {
        const answer = await w.deps.enqueue(request);
        queued.add(answer.runId);
        return answer;
      },
      exists: async (runId) => queued.has(runId),
    };
    const first = await startChore(deps, ask({ values: { account: "acct_1" } }));
    const again = await startChore(deps, ask({ values: { account: "acct_2" } }));
    expect(again).toEqual(first);
    expect(w.queued.map((request) => request.values.account)).toEqual(["acct_1"]);
  });

  it("frees the name when the run cannot be queued, and says why", async () => {
    w.failNextEnqueue = new Error("Redis refuses writes");
    await expect(startChore(w.deps, ask({ name: "deploy" }))).rejects.toThrow("Redis refuses writes");
    expect(await names.find({ owner: "acme", repo: "shop" }, "deploy")).toBeNull();
    // Another request may take it at once.
    const later = await startChore(w.deps, ask({ login: "bob", name: "deploy", requestKey: "comment-1003" }));
    expect(later.ok).toBe(true);
  });

  it("keeps the name when queueing failed after the run was queued after all (its later writes failed)", async () => {
    // Found attacking #20: the name was freed while its run waited and ran, for another run to take.
    const queued = new Set<string>();
    const deps: StartChoreDeps = {
      ...w.deps,
      enqueue: async (request) => {
        queued.add((await w.deps.enqueue(request)).runId);
        throw new Error("history not recorded: Redis went away");
      },
      exists: async (runId) => queued.has(runId),
    };
    await expect(startChore(deps, ask({ name: "deploy" }))).rejects.toThrow("history not recorded");
    expect(await names.find({ owner: "acme", repo: "shop" }, "deploy")).toBe([...queued][0]);
  });

  it("throws the queue's error, not the release's, when freeing the name fails too", async () => {
    w.failNextEnqueue = new Error("queue down");
    const deps: StartChoreDeps = {
      ...w.deps,
      names: { claim: (...args) => names.claim(...args), release: () => Promise.reject(new Error("release failed")) },
    };
    await expect(startChore(deps, ask({ name: "deploy" }))).rejects.toThrow("queue down");
  });

  it("claims no name on a refusal", async () => {
    for (const o of [{ login: "mallory" }, { login: "rita" }, { chore: "broken" }, { values: {} }]) {
      expect((await startChore(w.deps, ask({ ...o, name: "kept-free" }))).ok).toBe(false);
    }
    expect(await names.find({ owner: "acme", repo: "shop" }, "kept-free")).toBeNull();
  });
});
