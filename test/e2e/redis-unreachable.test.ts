import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { STOP_FLUSH_MS } from "../../src/bin/serve-command.js";
import { generateAppKey } from "../helpers/app-key.js";
import { freePort, startRedis } from "../helpers/redis-server.js";
import { spawnChorebot, type ChorebotProcess } from "./chorebot-process.js";

const GRACE_S = 1;
// What the settings allow (SHUTDOWN_GRACE + the bounded flush), plus a process's start-up and exit here.
const STOP_BOUND_MS = GRACE_S * 1000 + STOP_FLUSH_MS + 5_000;

function start(redisUrl: string, port: number): ChorebotProcess {
  return spawnChorebot(["start"], {
    APP_ID: "1",
    PRIVATE_KEY: generateAppKey(),
    WEBHOOK_SECRET: "x",
    REDIS_URL: redisUrl,
    PORT: String(port),
    HOST: "127.0.0.1",
    SHUTDOWN_GRACE: `${GRACE_S}s`,
  });
}

async function health(port: number) {
  const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(3_000) });
  return { status: res.status, body: (await res.json()) as { status: string; reason?: string; redis: { up: boolean } } };
}

/** What an operator reads while Redis is away: one clear line at a bounded rate, no stack traces, nothing but log lines. */
function expectQuietOutage(app: ChorebotProcess, redisPort: number, sinceMs: number) {
  const unreachable = app.lines.filter((line) => line.msg === `cannot reach Redis at 127.0.0.1:${redisPort}: connection refused; retrying`);
  expect(unreachable.length).toBeGreaterThanOrEqual(1);
  expect(unreachable.length).toBeLessThanOrEqual(1 + Math.ceil((Date.now() - sinceMs) / 60_000));
  const raw = app.lines.filter((line) => line.level === undefined);
  expect(raw, "every line is a log line (no stack printed by ioredis or BullMQ)").toEqual([]);
  expect(JSON.stringify(app.lines)).not.toMatch(/\\n\s+at |Unhandled error event/);
}

async function stopWithin(app: ChorebotProcess, signal: NodeJS.Signals): Promise<{ ms: number; code: number | null }> {
  const started = Date.now();
  const exited = once(app.child, "exit") as Promise<[number | null]>;
  app.child.kill(signal);
  const [code] = await exited;
  const ms = Date.now() - started;
  console.log(`${signal} with Redis unreachable: exited ${code} after ${ms} ms (bound ${STOP_BOUND_MS} ms)`);
  expect(ms).toBeLessThan(STOP_BOUND_MS);
  return { ms, code };
}

// Each test may wait out the whole bound: today a worker's close waits on Redis until the bound ends it.
describe("Redis unreachable", { timeout: STOP_BOUND_MS + 40_000 }, () => {
  it("from the start: one line, /health not ready, and SIGINT stops the process within the bound", async () => {
    const [redisPort, port] = await Promise.all([freePort(), freePort()]);
    const since = Date.now();
    const app = start(`redis://127.0.0.1:${redisPort}`, port);
    try {
      await app.waitForLine((line) => String(line.msg).startsWith("Listening on"));
      await app.waitForLine((line) => String(line.msg).startsWith("cannot reach Redis at"));
      const answer = await health(port);
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ status: "unavailable", redis: { up: false } });
      expect(answer.body.reason).not.toMatch(/maxRetriesPerRequest/);
      expectQuietOutage(app, redisPort, since);
      await stopWithin(app, "SIGINT");
    } finally {
      app.child.kill("SIGKILL");
    }
  });

  it("gone while running: one line, /health not ready, and SIGTERM stops the process within the bound", async () => {
    const [redis, port] = await Promise.all([startRedis(), freePort()]);
    const app = start(redis.url, port);
    try {
      await app.waitForLine((line) => String(line.msg).startsWith("workers started"));
      expect((await health(port)).status).toBe(200);
      const since = Date.now();
      await redis.stop();
      await app.waitForLine((line) => String(line.msg).startsWith("cannot reach Redis at"));
      // The monitor polls: wait for it to notice rather than for a fixed time.
      for (let answer = await health(port); answer.status !== 503; answer = await health(port)) {
        expect(Date.now() - since, "/health notices within 20 s").toBeLessThan(20_000);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expectQuietOutage(app, redis.port, since);
      await stopWithin(app, "SIGTERM");
    } finally {
      app.child.kill("SIGKILL");
      await redis.stop();
    }
  });
});
