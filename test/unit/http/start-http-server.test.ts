import { createNodeMiddleware } from "probot";
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { MergedPush } from "../../../src/github/handle-push.js";
import { WEBHOOK_PATH } from "../../../src/http/body-limits.js";
import { startHttpServer, type HttpServer, type RedisState } from "../../../src/http/start-http-server.js";
import { chorebotApp } from "../../../src/index.js";
import { judgeHealth, type RedisHealth } from "../../../src/redis/redis-info.js";
import { RedisUnavailableError } from "../../../src/redis/redis-unavailable-error.js";
import { sendWebhook } from "../../github-stand-in/webhook.js";
import { testProbot } from "../../helpers/test-probot.js";
import { defaultBranchPush } from "../../helpers/webhook-examples.js";

const silent = pino({ level: "silent" });
const OK = judgeHealth({ info: "used_memory:100\r\nmaxmemory:1000\r\nmaxmemory_policy:noeviction\r\n", probeError: null, now: 1 });
const FULL = judgeHealth({ info: "used_memory:1000\r\nmaxmemory:1000\r\nmaxmemory_policy:noeviction\r\n", probeError: null, now: 1 });

/** A stand-in for the monitor: its state is whatever the test sets. */
function fakeMonitor(initial: RedisHealth) {
  let health = initial;
  const monitor: RedisState & { set(h: RedisHealth): void; refused: number } = {
    refused: 0,
    health: () => health,
    refusal: () => (health.refusal && health.checkedAt ? new RedisUnavailableError(health.refusal) : null),
    countRefusedWebhook: () => void monitor.refused++,
    set: (h) => void (health = h),
  };
  return monitor;
}

const servers: HttpServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
});

async function serveApp(queuePush: (push: MergedPush) => Promise<string>, redis?: RedisState & { noteRefused?: (e: RedisUnavailableError) => void }) {
  const probot = testProbot();
  const app = chorebotApp({
    queuePush,
    checks: { scriptCwd: process.cwd(), scriptEnv: [], limits: { minApprovals: 1, maxTimeoutMs: 900_000, minChorePermission: "write" } },
    dashboard: null,
    runsApi: null,
    metrics: null,
    onRedisRefused: redis?.noteRefused,
  });
  const handle = await createNodeMiddleware(app, { probot, webhooksPath: WEBHOOK_PATH });
  const server = await startHttpServer({ port: 0, host: "127.0.0.1", log: silent, handle, redis });
  servers.push(server);
  const base = `http://127.0.0.1:${server.port}`;
  const push = () =>
    sendWebhook({
      url: `${base}${WEBHOOK_PATH}`,
      secret: "test-secret",
      event: "push",
      payload: defaultBranchPush({ before: "1".repeat(40), after: "2".repeat(40) }),
    });
  return { base, push };
}

describe("GET /health", () => {
  it("answers 200 with Redis' figures while Redis takes writes, 503 with a reason when it does not; /ping stays PONG", async () => {
    const monitor = fakeMonitor(OK);
    const { base } = await serveApp(async () => "job", monitor);
    let res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", redis: { up: true, writable: true, used_memory: 100, maxmemory: 1000 } });
    monitor.set(FULL);
    res = await fetch(`${base}/health`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: "unavailable",
      reason: expect.stringMatching(/^Redis is full/),
      redis: { up: true, writable: false, used_memory: 1000, maxmemory: 1000 },
    });
    res = await fetch(`${base}/ping`);
    expect([res.status, await res.text()]).toEqual([200, "PONG"]);
  });

  it("is not served without a monitor", async () => {
    const { base } = await serveApp(async () => "job");
    expect((await fetch(`${base}/health`)).status).toBe(404);
  });
});

describe("webhooks while Redis refuses writes", () => {
  it("a push whose job Redis refuses is answered 503 with the short message, never 500 or a stack", async () => {
    const monitor = { ...fakeMonitor(OK), noteRefused: vi.fn() };
    const { push } = await serveApp(async () => {
      throw new Error("OOM command not allowed when used memory > 'maxmemory'.");
    }, monitor);
    const res = await push();
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toEqual({
      error:
        "RedisUnavailableError: chorebot cannot queue this delivery: Redis is full (maxmemory reached); redeliver it from the App's advanced settings once Redis accepts writes again",
    });
    expect(res.body).not.toMatch(/ReplyError|\n\s+at /);
    expect(monitor.noteRefused).toHaveBeenCalledOnce();
  });

  it("once the monitor knows, a push is answered 503 at once without queueing; other events go on", async () => {
    const monitor = fakeMonitor(FULL);
    const queuePush = vi.fn(async () => "job");
    const { base, push } = await serveApp(queuePush, monitor);
    const res = await push();
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).error).toContain("Redis is full");
    expect(queuePush).not.toHaveBeenCalled();
    expect(monitor.refused).toBe(1);
    // An event that queues nothing is still handled (here: one chorebot has no handler for).
    const other = await sendWebhook({ url: `${base}${WEBHOOK_PATH}`, secret: "test-secret", event: "issues", payload: { action: "opened" } });
    expect(other.status).toBe(200);
    monitor.set(OK);
    expect((await push()).status).toBe(200);
    expect(queuePush).toHaveBeenCalledOnce();
  });

  it("a route throwing RedisUnavailableError gets 503 from the server itself", async () => {
    const server = await startHttpServer({
      port: 0,
      host: "127.0.0.1",
      log: silent,
      handle: () => {
        throw new RedisUnavailableError("readonly");
      },
    });
    servers.push(server);
    const res = await fetch(`http://127.0.0.1:${server.port}/anything`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toContain("Redis is read-only");
  });
});

describe("a chore form's body", () => {
  it("may be as large as the chore form's cap only in a POST the sign-in admits; any other request keeps the small cap", async () => {
    const received: number[] = [];
    const server = await startHttpServer({
      port: 0,
      host: "127.0.0.1",
      log: silent,
      handle: async (req, res) => {
        let bytes = 0;
        for await (const chunk of req) bytes += (chunk as Buffer).length;
        received.push(bytes);
        res.writeHead(200).end();
        return true;
      },
      choreForm: { limit: 512 * 1024, admits: (req) => req.headers.cookie === "session=valid" },
    });
    servers.push(server);
    const url = `http://127.0.0.1:${server.port}/chores/acme/widgets/unlock-account`;
    const body = "x".repeat(200 * 1024);
    const send = (method: string, cookie: string) => fetch(url, { method, headers: { cookie }, body });
    expect((await send("POST", "session=valid")).status).toBe(200);
    expect(received).toEqual([body.length]);
    // Signed out (or a forged cookie): refused before the body is held, as on every other route.
    expect((await send("POST", "session=forged")).status).toBe(413);
    expect((await send("PUT", "session=valid")).status).toBe(413);
    expect(received).toHaveLength(1);
  });
});
