import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { QUEUE_NAMES, type QueueName } from "../../../src/pipeline/queues.js";
import {
  cleanReason,
  freezesKey,
  Freezes,
  frozenReason,
  HISTORY_LENGTH,
  isFrozenReason,
  MAX_FREEZES,
  MAX_REASON_CHARS,
  parseRepo,
  TooManyFreezes,
} from "../../../src/stores/freezes.js";
import { RunRetention } from "../../../src/stores/run-retention.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";

const PREFIX = "{freeze-test}";
const acme = { owner: "Acme", repo: "Widgets" };

describe("Freezes", () => {
  let redis: TestRedis;
  let client: Redis;
  let freezes: Freezes;

  beforeAll(async () => {
    // Persistence on, as production runs it: a freeze must outlive a Redis restart.
    redis = await startRedis(["--appendonly", "yes"]);
    client = new Redis({ host: "127.0.0.1", port: redis.port, maxRetriesPerRequest: null });
    freezes = new Freezes(client, PREFIX);
  });
  beforeEach(async () => {
    await client.flushall();
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it("holds a repository's runs while it or every repository is frozen, the global freeze named first, whatever the name's case", async () => {
    expect(await freezes.frozenFor(acme)).toBeNull();
    const { freeze, replaced } = await freezes.freeze({ repo: "acme/widgets", by: "alice", reason: "db failover" });
    expect(replaced).toBeNull();
    expect(freeze).toMatchObject({ repo: "acme/widgets", by: "alice", reason: "db failover" });
    expect(Date.parse(freeze.at)).not.toBeNaN();
    expect(await freezes.frozenFor(acme)).toEqual(freeze);
    expect(await freezes.frozenFor({ owner: "acme", repo: "other" })).toBeNull();

    const everywhere = (await freezes.freeze({ repo: null, by: "bob", reason: "incident 42" })).freeze;
    expect(await freezes.frozenFor(acme)).toEqual(everywhere);
    expect(await freezes.frozenFor({ owner: "acme", repo: "other" })).toEqual(everywhere);
    expect(await freezes.list()).toEqual([everywhere, freeze]);

    // Lifting the global freeze leaves the repository's own.
    expect(await freezes.unfreeze({ repo: null, by: "bob", reason: "" })).toEqual(everywhere);
    expect(await freezes.frozenFor(acme)).toEqual(freeze);
    expect(await freezes.frozenFor({ owner: "acme", repo: "other" })).toBeNull();
    expect(await freezes.unfreeze({ repo: "acme/widgets", by: "carol", reason: "failover done" })).toEqual(freeze);
    expect(await freezes.frozenFor(acme)).toBeNull();
    expect(await freezes.list()).toEqual([]);
    // Nothing left to lift.
    expect(await freezes.unfreeze({ repo: "acme/widgets", by: "carol", reason: "" })).toBeNull();
  });

  it("keeps one freeze per scope: freezing again replaces it, and the history keeps both", async () => {
    const first = (await freezes.freeze({ repo: null, by: "alice", reason: "first" })).freeze;
    const second = await freezes.freeze({ repo: null, by: "bob", reason: "second" });
    expect(second.replaced).toEqual(first);
    expect(await freezes.list()).toEqual([second.freeze]);
    expect((await freezes.history()).map((event) => [event.action, event.by, event.reason])).toEqual([
      ["freeze", "bob", "second"],
      ["freeze", "alice", "first"],
    ]);
  });

  it("keeps a short history, newest first, and refuses a new scope past the cap while replacing one still works", async () => {
    for (let i = 0; i < MAX_FREEZES; i++) await freezes.freeze({ repo: `acme/repo-${i}`, by: "alice", reason: `r${i}` });
    await expect(freezes.freeze({ repo: "acme/one-too-many", by: "alice", reason: "x" })).rejects.toBeInstanceOf(TooManyFreezes);
    await expect(freezes.freeze({ repo: null, by: "alice", reason: "x" })).rejects.toBeInstanceOf(TooManyFreezes);
    expect((await freezes.freeze({ repo: "acme/repo-0", by: "bob", reason: "again" })).replaced).toMatchObject({ reason: "r0" });
    await freezes.unfreeze({ repo: "acme/repo-1", by: "bob", reason: "done" });

    const history = await freezes.history();
    expect(history).toHaveLength(HISTORY_LENGTH);
    expect(history[0]).toMatchObject({ action: "unfreeze", repo: "acme/repo-1", by: "bob", reason: "done" });
    expect(history[1]).toMatchObject({ action: "freeze", repo: "acme/repo-0", by: "bob", reason: "again" });
    expect(await client.llen(`${PREFIX}:freeze-history`)).toBe(HISTORY_LENGTH);
    expect(await client.hlen(freezesKey(PREFIX))).toBe(MAX_FREEZES - 1);
  });

  it("is looked at with a single HMGET when nothing is frozen", async () => {
    await client.config("RESETSTAT");
    expect(await freezes.frozenFor(acme)).toBeNull();
    const stats = (await client.info("commandstats")).split("\n").filter((line) => line.startsWith("cmdstat_") && !/^cmdstat_(config|info)[:|]/.test(line));
    expect(stats).toHaveLength(1);
    expect(stats[0]).toMatch(/^cmdstat_hmget:calls=1,/);
  });

  it("survives a Redis restart and a new process, and retention's sweep leaves it", async () => {
    const { freeze } = await freezes.freeze({ repo: null, by: "alice", reason: "incident" });
    await redis.restart();
    const other = new Redis({ host: "127.0.0.1", port: redis.port, maxRetriesPerRequest: null });
    const queues = Object.fromEntries(QUEUE_NAMES.map((name) => [name, new Queue(name, { connection: other, prefix: PREFIX })])) as Record<QueueName, Queue>;
    try {
      const again = new Freezes(other, PREFIX);
      expect(await again.frozenFor(acme)).toEqual(freeze);
      // A sweep far in the future, with a run due: it removes that run's keys, never a freeze.
      const retention = new RunRetention(other, PREFIX, queues, { completedMs: 1_000, failedMs: 1_000, scheduledMs: 1_000 });
      await retention.recorded("run-old", { now: 0 });
      await retention.sweep(Date.now() + 365 * 24 * 3600_000);
      expect(await again.list()).toEqual([freeze]);
      expect(await again.history()).toHaveLength(1);
    } finally {
      await Promise.all(Object.values(queues).map((queue) => queue.close()));
      other.disconnect();
    }
  });

  it("words a run's waiting reason as who froze it, since when and why", () => {
    const reason = frozenReason({ repo: null, by: "alice", at: "2026-03-01T10:20:30.123Z", reason: "db failover" });
    expect(reason).toBe("frozen by alice since 2026-03-01T10:20:30Z: db failover");
    expect(isFrozenReason(reason)).toBe(true);
    expect(isFrozenReason("self lock held by run-1#1")).toBe(false);
    expect(isFrozenReason(undefined)).toBe(false);
  });
});

describe("parseRepo", () => {
  it("takes owner/name as GitHub allows them, in lower case", () => {
    expect(parseRepo("Acme/Widgets")).toBe("acme/widgets");
    expect(parseRepo(" acme-inc/my.repo_2 ")).toBe("acme-inc/my.repo_2");
  });

  it("refuses anything else", () => {
    for (const text of [
      "",
      "*",
      "all",
      "acme",
      "acme/",
      "/widgets",
      "acme/widgets/extra",
      "-acme/x",
      "acme-/x",
      "ac--me/x",
      "acme/..",
      "acme/.",
      "a b/c",
      "acme/wid gets",
      `${"a".repeat(40)}/x`,
      `acme/${"x".repeat(101)}`,
      "https://github.com/acme/widgets",
    ]) {
      expect(parseRepo(text), JSON.stringify(text)).toBeNull();
    }
  });
});

describe("cleanReason", () => {
  it("makes a reason one line", () => {
    expect(cleanReason("  db\nfailover\t\u0007 now \u202e ")).toEqual({ reason: "db failover now" });
  });

  it("refuses an empty or overlong reason", () => {
    expect(cleanReason(" \n ")).toEqual({ error: "reason is empty" });
    expect(cleanReason("x".repeat(MAX_REASON_CHARS))).toEqual({ reason: "x".repeat(MAX_REASON_CHARS) });
    expect(cleanReason("é".repeat(MAX_REASON_CHARS + 1))).toEqual({ error: `reason is ${MAX_REASON_CHARS + 1} characters; at most ${MAX_REASON_CHARS}` });
  });
});
