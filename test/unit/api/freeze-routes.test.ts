import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Queue, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createRunsApiHandler } from "../../../src/api/create-runs-api-handler.js";
import { BODY_LIMIT } from "../../../src/http/body-limits.js";
import { releaseFrozenRuns } from "../../../src/pipeline/release-frozen-runs.js";
import { Cancellations } from "../../../src/stores/cancellations.js";
import { Freezes, frozenReason, MAX_REASON_CHARS } from "../../../src/stores/freezes.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";

const PREFIX = "{freeze-api-test}";
const auth = { Authorization: `Basic ${Buffer.from("ops:s3cret").toString("base64")}` };
const json = { ...auth, "Content-Type": "application/json" };

describe("the freeze routes of the runs API", () => {
  let redis: TestRedis;
  let client: Redis;
  let freezes: Freezes;
  let execute: Queue;
  let cancellations: Cancellations;
  let server: Server;
  let base: string;
  const logged: { level: string; fields: Record<string, unknown>; message: string }[] = [];

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: "POST", headers: { ...json, ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });

  beforeAll(async () => {
    redis = await startRedis();
    const connection = { host: "127.0.0.1", port: redis.port, maxRetriesPerRequest: null };
    client = new Redis(connection);
    freezes = new Freezes(client, PREFIX);
    execute = new Queue("execute", { connection, prefix: PREFIX });
    cancellations = new Cancellations(client, PREFIX, { executeQueue: execute });
    const log = (level: string) => (fields: Record<string, unknown>, message: string) => void logged.push({ level, fields, message });
    const handler = createRunsApiHandler({
      cancellations,
      user: "ops",
      password: "s3cret",
      freezes: { freezes, log: { info: log("info"), warn: log("warn") } as never, release: (repo) => releaseFrozenRuns(execute, freezes, repo) },
    });
    server = createServer((req, res) => {
      void (async () => {
        if (!(await handler(req, res))) res.writeHead(404).end("not found");
      })();
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(async () => {
    await client.flushall();
    logged.length = 0;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await cancellations?.close();
    await execute?.close();
    client?.disconnect();
    await redis?.stop();
  });

  it("freezes everything for the logged-in user, logs who and why, and shows it", async () => {
    const res = await post("/api/freezes", { reason: "  db failover\n(incident 42) " });
    expect(res.status).toBe(201);
    const answer = (await res.json()) as { freeze: { at: string }; replaced: unknown; message: string };
    expect(answer).toMatchObject({ freeze: { repo: null, by: "ops", reason: "db failover (incident 42)" }, replaced: null });
    expect(answer.message).toContain("every repository: no new run starts (frozen by ops since");
    expect(logged).toEqual([
      expect.objectContaining({
        level: "info",
        fields: expect.objectContaining({ repo: "every repository", by: "ops", login: "ops", reason: "db failover (incident 42)" }),
      }),
    ]);
    expect(await freezes.frozenFor({ owner: "any", repo: "thing" })).toEqual(answer.freeze);

    const list = await fetch(`${base}/api/freezes`, { headers: auth });
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({
      freezes: [answer.freeze],
      history: [{ action: "freeze", ...answer.freeze }],
    });
  });

  it("freezes one repository on behalf of `by`; freezing it again replaces the freeze and says so", async () => {
    const first = await post("/api/freezes", { repo: "Acme/Widgets", reason: "backfill broke billing", by: "alice\n<b>" });
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ freeze: { repo: "acme/widgets", by: "alice b", reason: "backfill broke billing" } });
    const again = await post("/api/freezes", { repo: "acme/widgets", reason: "still broken" });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ freeze: { by: "ops", reason: "still broken" }, replaced: { by: "alice b", reason: "backfill broke billing" } });
    expect(await freezes.list()).toHaveLength(1);
    expect(await freezes.frozenFor({ owner: "acme", repo: "other" })).toBeNull();
  });

  it("refuses a request without a reason, with a bad repository, an unknown field or a bad body, and freezes nothing", async () => {
    const refused: [unknown, RegExp][] = [
      [{}, /^reason is required/],
      [{ reason: 42 }, /^reason is required/],
      [{ reason: " \n\t " }, /^reason is empty$/],
      [{ reason: "x".repeat(MAX_REASON_CHARS + 1) }, /^reason is 501 characters; at most 500$/],
      [{ reason: "r", repo: "*" }, /^repo must be a repository's owner\/name$/],
      [{ reason: "r", repo: "all" }, /^repo must be/],
      [{ reason: "r", repo: "acme/widgets/../x" }, /^repo must be/],
      [{ reason: "r", repo: "" }, /^repo must be/],
      [{ reason: "r", repo: ["acme/widgets"] }, /^repo must be a string/],
      [{ reason: "r", by: 7 }, /^by must be a string$/],
      // A typo must not turn a repository's freeze into everyone's, nor an unfreeze of one into the global one.
      [{ reason: "r", repository: "acme/widgets" }, /^unknown field "repository"/],
      ["[1]", /^request body is not a JSON object$/],
      ["{", /^request body is not JSON$/],
    ];
    for (const [body, error] of refused) {
      const res = await post("/api/freezes", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(error);
    }
    const unfreeze = await post("/api/freezes/unfreeze", { repository: "acme/widgets" });
    expect(unfreeze.status).toBe(400);
    expect(await freezes.list()).toEqual([]);
    expect(await freezes.history()).toEqual([]);
    expect(logged).toEqual([]);
  });

  it("refuses a body over the limit", async () => {
    const res = await post("/api/freezes", JSON.stringify({ reason: "x".repeat(BODY_LIMIT) }));
    expect(res.status).toBe(413);
    expect(await freezes.list()).toEqual([]);
  });

  it("refuses without the login and cross-site, before reading anything", async () => {
    for (const headers of [{ Authorization: "" }, { Authorization: `Basic ${Buffer.from("ops:guess").toString("base64")}` }]) {
      expect((await post("/api/freezes", { reason: "r" }, headers)).status).toBe(401);
      expect((await fetch(`${base}/api/freezes`, { headers })).status).toBe(401);
    }
    for (const headers of [{ "Sec-Fetch-Site": "cross-site" }, { Origin: "https://evil.example" }] as Record<string, string>[]) {
      const res = await post("/api/freezes", { reason: "r" }, headers);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: "cross-site request refused" });
    }
    await freezes.freeze({ repo: null, by: "alice", reason: "incident" });
    expect((await post("/api/freezes/unfreeze", {}, { Origin: "https://evil.example" })).status).toBe(403);
    expect(await freezes.list()).toHaveLength(1);
    // The dashboard's own page may.
    expect((await post("/api/freezes/unfreeze", {}, { Origin: base, "Sec-Fetch-Site": "same-origin" })).status).toBe(200);
  });

  it("answers other methods and paths with 405 and 404", async () => {
    expect((await fetch(`${base}/api/freezes`, { method: "PUT", headers: auth })).status).toBe(405);
    expect((await fetch(`${base}/api/freezes/unfreeze`, { headers: auth })).status).toBe(405);
    expect((await fetch(`${base}/api/freezes/acme/widgets`, { method: "DELETE", headers: auth })).status).toBe(404);
    expect((await fetch(`${base}/api/freezesx`, { headers: auth })).status).toBe(404);
  });

  it("says what is still frozen when an unfreeze names a scope that is not", async () => {
    await freezes.freeze({ repo: "acme/widgets", by: "alice", reason: "incident" });
    const res = await post("/api/freezes/unfreeze", { reason: "over" });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({
      error: "nothing is frozen for every repository; still frozen: acme/widgets (unfreeze it with --repo acme/widgets)",
      frozen: [{ repo: "acme/widgets" }],
    });
    expect(await freezes.list()).toHaveLength(1);

    await freezes.freeze({ repo: "acme/other", by: "alice", reason: "incident" });
    expect(await (await post("/api/freezes/unfreeze", { reason: "over" })).json()).toMatchObject({
      error: "nothing is frozen for every repository; still frozen: acme/other, acme/widgets (unfreeze each with --repo <owner/name>)",
    });
    await freezes.freeze({ repo: null, by: "alice", reason: "failover" });
    const named = await post("/api/freezes/unfreeze", { repo: "acme/billing" });
    expect(named.status).toBe(404);
    expect(((await named.json()) as { error: string }).error).toMatch(
      /^acme\/billing is not frozen; still frozen: .*every repository.* \(the freeze of every repository is lifted without --repo\)$/,
    );
  });

  it("unfreezes and starts the runs it held in the order they were queued, leaving runs another freeze or a lock holds", async () => {
    await freezes.freeze({ repo: "acme/widgets", by: "alice", reason: "incident" });
    const other = (await freezes.freeze({ repo: "acme/other", by: "alice", reason: "other incident" })).freeze;
    const t = Date.now() - 60_000;
    // Queued out of id order: c first by id but last in time.
    const held = async (id: string, repo: string, timestamp: number, waiting: string) => {
      const job = await execute.add("run", { runId: id, target: { owner: "acme", repo } }, { jobId: id, timestamp, delay: 3_600_000 });
      await job.updateProgress({ attempt: 1, progress: null, done: null, total: null, percent: null, counters: {}, logLines: 0, waiting });
    };
    const reason = frozenReason((await freezes.frozenFor({ owner: "acme", repo: "widgets" }))!);
    await held("run-c", "widgets", t + 3, reason);
    await held("run-a", "Widgets", t + 1, reason);
    await held("run-b", "widgets", t + 2, reason);
    await held("run-other", "other", t, frozenReason(other));
    await held("run-locked", "widgets", t, "self lock held by run-z#1");

    const res = await post("/api/freezes/unfreeze", { repo: "acme/widgets", reason: "fixed", by: "carol" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ unfrozen: { repo: "acme/widgets", by: "alice" }, started: 3, frozen: [{ repo: "acme/other" }] });
    expect(logged).toEqual([
      expect.objectContaining({ level: "info", fields: expect.objectContaining({ repo: "acme/widgets", by: "carol", login: "ops", reason: "fixed" }) }),
    ]);
    expect((await freezes.history())[0]).toMatchObject({ action: "unfreeze", repo: "acme/widgets", by: "carol", reason: "fixed" });

    // One worker takes them as any worker would: in queue order, each once.
    const started: string[] = [];
    let allStarted!: () => void;
    const done = new Promise<void>((resolve) => (allStarted = resolve));
    const worker = new Worker(
      "execute",
      async (job: Job) => {
        started.push(job.id!);
        if (started.length === 3) allStarted();
      },
      { connection: { host: "127.0.0.1", port: redis.port, maxRetriesPerRequest: null }, prefix: PREFIX },
    );
    await done;
    await worker.close();
    expect(started).toEqual(["run-a", "run-b", "run-c"]);
    expect((await execute.getDelayed()).map((job) => job.id).sort()).toEqual(["run-locked", "run-other"]);
  });
});
