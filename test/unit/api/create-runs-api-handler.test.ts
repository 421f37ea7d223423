import type { Server } from "node:http";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRunsApiHandler } from "../../../src/api/create-runs-api-handler.js";
import { BODY_LIMIT } from "../../../src/http/body-limits.js";
import { Cancellations } from "../../../src/stores/cancellations.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { basicAuth, serveHandler } from "../../helpers/serve-handler.js";
import { heldJobs, type HeldJobs } from "../stores/held-jobs.js";

const PREFIX = "{api-test}";
const auth = basicAuth("ops", "s3cret");
const wrongAuth = basicAuth("ops", "guess");

describe("createRunsApiHandler", () => {
  let redis: TestRedis;
  let jobs: HeldJobs;
  let client: Redis;
  let cancellations: Cancellations;
  const servers: Server[] = [];
  let base: string;

  const cancel = (run: string, init: RequestInit = {}) =>
    fetch(`${base}/api/runs/${run}/cancel`, { method: "POST", ...init, headers: { ...auth, ...init.headers } });

  beforeAll(async () => {
    redis = await startRedis();
    const connection = { host: "127.0.0.1", port: redis.port, maxRetriesPerRequest: null };
    jobs = await heldJobs(connection, PREFIX);
    client = new Redis(connection);
    cancellations = new Cancellations(client, PREFIX, { executeQueue: jobs.queue });
    const served = await serveHandler(createRunsApiHandler({ cancellations, user: "ops", password: "s3cret" }));
    servers.push(served.server);
    base = served.base;
  });

  afterAll(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    await cancellations?.close();
    await jobs?.close();
    client?.disconnect();
    await redis?.stop();
  });

  it("serves nothing without credentials configured", async () => {
    for (const settings of [{}, { user: "ops" }, { user: "", password: "x" }]) {
      const { base: other, server } = await serveHandler(createRunsApiHandler({ cancellations, ...settings }));
      servers.push(server);
      const res = await fetch(`${other}/api/runs/anything/cancel`, { method: "POST", headers: auth });
      expect(res.status).toBe(404);
      expect(await res.text()).toBe("not found");
    }
  });

  it("leaves other URLs to the next handler", async () => {
    for (const path of ["/", "/api/github/webhooks", "/api/runs", "/admin/queues"]) {
      expect((await fetch(`${base}${path}`, { method: "POST", headers: auth })).status).toBe(404);
    }
  });

  it("asks for credentials when they are missing or wrong", async () => {
    for (const headers of [{ Authorization: "" }, wrongAuth]) {
      const res = await fetch(`${base}/api/runs/run-x/cancel`, { method: "POST", headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Basic realm="chorebot"');
      expect(await res.json()).toEqual({ error: "authentication required" });
    }
  });

  it("refuses cross-site requests even with credentials, and cancels nothing", async () => {
    await jobs.delayed("run-forged");
    for (const headers of [{ "Sec-Fetch-Site": "cross-site" }, { Origin: "https://evil.example" }] as Record<string, string>[]) {
      const res = await cancel("run-forged", { headers });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: "cross-site request refused" });
    }
    expect(await cancellations.cancelledBy("run-forged")).toBeNull();
    // The same page's own request goes through, and wakes the delayed run to act on it.
    const woken = jobs.whenHeld("run-forged");
    const own = await cancel("run-forged", { headers: { Origin: base, "Sec-Fetch-Site": "same-origin" } });
    expect(own.status).toBe(202);
    await woken;
    await jobs.release("run-forged");
  });

  it("cancels a running run for the authenticated user", async () => {
    await jobs.running("run-active");
    const res = await cancel("run-active");
    expect(res.status).toBe(202);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      run: "run-active",
      state: "running",
      cancelled: true,
      by: "ops",
      message: "run-active is running: its script is being stopped (cancelled by ops)",
    });
    expect(await cancellations.cancelledBy("run-active")).toMatchObject({ by: "ops" });
    await jobs.release("run-active");
  });

  it("cancels a waiting run on behalf of the `by` it is given, cleaned up", async () => {
    await jobs.delayed("run-waiting");
    // A cancel wakes a delayed run, so that its worker acts on it at once.
    const woken = jobs.whenHeld("run-waiting");
    const res = await cancel("run-waiting", {
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ by: "alice\n<b>smith</b>" }),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ run: "run-waiting", state: "waiting", cancelled: true, by: "alice b smith b" });
    expect(await cancellations.cancelledBy("run-waiting")).toMatchObject({ by: "alice b smith b" });
    await woken;
    await jobs.release("run-waiting");
  });

  it("answers 409 for a finished run and records nothing", async () => {
    await jobs.finished("run-done", "completed");
    const res = await cancel("run-done", { body: JSON.stringify({ by: "bob" }) });
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({
      run: "run-done",
      state: "finished",
      cancelled: false,
      by: "bob",
      message: "run-done already finished: there is nothing to cancel",
    });
    expect(await cancellations.cancelledBy("run-done")).toBeNull();
  });

  it("answers 404 for a run it does not know", async () => {
    const res = await cancel("run-nobody-knows");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "no run run-nobody-knows", hint: expect.stringContaining("logs/") });
  });

  it("refuses bad requests", async () => {
    const cases: [string, RequestInit, number][] = [
      ["run-x", { body: "{not json" }, 400],
      ["run-x", { body: JSON.stringify({ by: 42 }) }, 400],
      ["run-x", { body: JSON.stringify(["by"]) }, 400],
      ["run-x", { body: JSON.stringify({ by: "x".repeat(BODY_LIMIT) }) }, 413],
      ["run%3Ax", {}, 400],
      ["run-x", { method: "GET" }, 405],
      ["run-x", { method: "DELETE" }, 405],
    ];
    for (const [run, init, status] of cases) expect({ run, status: (await cancel(run, init)).status }).toEqual({ run, status });
    expect((await fetch(`${base}/api/runs/run-x/other`, { method: "POST", headers: auth })).status).toBe(404);
  });

  it("locks a client out after too many failed logins, even with the right password", async () => {
    const { base: locked, server } = await serveHandler(createRunsApiHandler({ cancellations, user: "ops", password: "s3cret", maxFailedLogins: 2 }));
    servers.push(server);
    const post = (headers: Record<string, string>) => fetch(`${locked}/api/runs/run-x/cancel`, { method: "POST", headers });
    expect((await post(wrongAuth)).status).toBe(401);
    expect((await post(wrongAuth)).status).toBe(401);
    const limited = await post(wrongAuth);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await post(auth)).status).toBe(429);
  });
});
