import { randomUUID } from "node:crypto";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadServerConfig, type ServerConfig } from "../../src/config.js";
import { QUEUE_NAMES } from "../../src/pipeline/queues.js";
import { FORCE_CLOSE_MS } from "../../src/pipeline/start-workers.js";
import { startApp, webSettings, workerSettings, type RunningApp } from "../../src/start-app.js";
import { generateAppKey } from "../helpers/app-key.js";
import { startRedis, type TestRedis } from "../helpers/redis-server.js";

const key = generateAppKey();
let redis: TestRedis;
// Looks at the Redis from outside: who is connected, which workers listen.
let observer: Redis;
let running: RunningApp | null = null;

beforeAll(async () => {
  redis = await startRedis();
  observer = new Redis(redis.url);
});
afterEach(async () => {
  await running?.stop();
  running = null;
});
afterAll(async () => {
  observer?.disconnect();
  await redis?.stop();
});

/** The settings of a fresh deployment (its own queue prefix) on the test Redis, listening on a free port. */
function settings(env: Record<string, string> = {}): ServerConfig {
  return loadServerConfig(
    {
      APP_ID: "1",
      PRIVATE_KEY: key,
      WEBHOOK_SECRET: "hook-secret-value",
      REDIS_URL: redis.url,
      PORT: "0",
      HOST: "127.0.0.1",
      QUEUE_PREFIX: `{t-${randomUUID().slice(0, 8)}}`,
      SHUTDOWN_GRACE: "1",
      ...env,
    },
    () => {},
  );
}

/** A logger whose lines the test can read. */
function recordingLog() {
  const lines: { level: number; msg: string }[] = [];
  const log = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) });
  return { log, messages: () => lines.map((line) => line.msg) };
}

/** Workers listening on each step's queue of this deployment. */
async function workersPerQueue(config: ServerConfig): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const name of QUEUE_NAMES) {
    const queue = new Queue(name, { connection: { host: "127.0.0.1", port: redis.port }, prefix: config.queuePrefix });
    counts[name] = await queue.getWorkersCount();
    await queue.close();
  }
  return counts;
}

/** Connections the Redis has besides the observer's own. */
async function otherClients(): Promise<number> {
  const list = (await observer.client("LIST")) as string;
  return list.trim().split("\n").length - 1;
}

/** How many of each kind of handle (sockets, servers, timers …) keep the process alive. */
function countByType(types: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of types) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/** Resolves once `condition` holds; fails the test if it does not within 5 s. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("still not so after 5 s");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("startApp", () => {
  it("runs the web part and the workers, and stop() closes every connection and handle they opened", async () => {
    const config = settings();
    const before = { clients: await otherClients(), resources: countByType(process.getActiveResourcesInfo()) };
    const app = await startApp(config, { web: true, workers: true }, recordingLog().log);
    running = app;
    expect(app.port).toBeGreaterThan(0);
    const ping = await fetch(`http://127.0.0.1:${app.port}/ping`);
    expect({ status: ping.status, body: await ping.text() }).toEqual({ status: 200, body: "PONG" });
    const health = await fetch(`http://127.0.0.1:${app.port}/health`);
    expect(health.status).toBe(200);
    expect(await workersPerQueue(config)).toEqual({ discover: 1, process: 1, execute: 1, cleanup: 1, index: 1, schedule: 1 });
    expect(await otherClients()).toBeGreaterThan(before.clients);

    running = null;
    await app.stop();
    // Redis notices a closed connection a moment later: wait for it, then nothing of the app's may be left.
    await until(async () => (await otherClients()) === before.clients);
    const resources = countByType(process.getActiveResourcesInfo());
    for (const [type, count] of Object.entries(resources)) expect({ type, count }).toEqual({ type, count: Math.min(count, before.resources[type] ?? 0) });
    await expect(fetch(`http://127.0.0.1:${app.port}/ping`)).rejects.toThrow();
  });

  it("stops at once when Redis has gone away and no script runs, saying nothing was left", async () => {
    const own = await startRedis();
    const config = loadServerConfig(
      { APP_ID: "1", PRIVATE_KEY: key, WEBHOOK_SECRET: "x", REDIS_URL: own.url, PORT: "0", HOST: "127.0.0.1", SHUTDOWN_GRACE: "30" },
      () => {},
    );
    const app = await startApp(config, { web: true, workers: true }, recordingLog().log);
    await own.stop();
    const started = Date.now();
    // No script runs, so nothing waits for the 30 s grace; each close that waits on Redis is dropped after FORCE_CLOSE_MS.
    expect(await app.stop()).toMatchObject({ unrecorded: [], keptOnDisk: 0, logsPending: 0 });
    expect(Date.now() - started).toBeLessThan(3 * FORCE_CLOSE_MS + 500);
    // (BullMQ's own close of a worker may still wait on Redis after this: the CLI exits anyway.)
  });

  it("runs only the web part when asked: no worker takes jobs, and what is not configured is not served", async () => {
    const config = settings();
    const { log, messages } = recordingLog();
    running = await startApp(config, { web: true, workers: false }, log);
    expect(await workersPerQueue(config)).toEqual({ discover: 0, process: 0, execute: 0, cleanup: 0, index: 0, schedule: 0 });
    // No dashboard login and no metrics token were set: neither is served.
    expect(messages()).toEqual(expect.arrayContaining([expect.stringMatching(/^dashboard disabled/), expect.stringMatching(/^metrics disabled/)]));
    expect((await fetch(`http://127.0.0.1:${running.port}/admin/queues`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${running.port}/metrics`)).status).toBe(404);
  });

  it("gives the web part the dashboard's login and the metrics token it was configured with", async () => {
    running = await startApp(
      settings({ DASHBOARD_USER: "ops", DASHBOARD_PASSWORD: "dash-pass-value", METRICS_TOKEN: "scrape-token" }),
      { web: true, workers: false },
      recordingLog().log,
    );
    const base = `http://127.0.0.1:${running.port}`;
    expect((await fetch(`${base}/admin/queues`)).status).toBe(401);
    const login = `Basic ${Buffer.from("ops:dash-pass-value").toString("base64")}`;
    expect((await fetch(`${base}/admin/queues`, { headers: { Authorization: login } })).status).toBe(200);
    expect((await fetch(`${base}/metrics`, { headers: { Authorization: "Bearer scrape-token" } })).status).toBe(200);
  });

  it("runs only the workers when asked: no web server", async () => {
    const config = settings();
    running = await startApp(config, { web: false, workers: true }, recordingLog().log);
    expect(running.port).toBeNull();
    expect(await workersPerQueue(config)).toEqual({ discover: 1, process: 1, execute: 1, cleanup: 1, index: 1, schedule: 1 });
  });
});

describe("startApp with RESULT_SPOOL_DIR", () => {
  it("refuses to start workers with a spool folder it cannot create or write to, naming the setting on one line, before connecting to Redis", async () => {
    const parent = await mkdtemp(join(tmpdir(), "spool-setting-"));
    try {
      const notAFolder = join(parent, "file");
      await writeFile(notAFolder, "");
      const before = await otherClients();
      const refused = startApp(settings({ RESULT_SPOOL_DIR: join(notAFolder, "spool") }), { web: false, workers: true }, recordingLog().log);
      await expect(refused).rejects.toBeInstanceOf(ConfigError);
      const message = await refused.then(
        () => "",
        (error: Error) => error.message,
      );
      expect(message).toMatch(new RegExp(`^RESULT_SPOOL_DIR is invalid: ${join(notAFolder, "spool")} cannot hold outcomes kept on disk \\(ENOTDIR\\)`));
      expect(message).not.toContain("\n");
      expect(await otherClients()).toBe(before);
      // The web part keeps no outcomes: the setting is not its concern.
      running = await startApp(settings({ RESULT_SPOOL_DIR: join(notAFolder, "spool") }), { web: true, workers: false }, recordingLog().log);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  it("creates the folder it names and hands the workers that folder; unset, the OS temp folder's per deployment", async () => {
    const parent = await mkdtemp(join(tmpdir(), "spool-setting-"));
    try {
      const dir = join(parent, "results", "spool");
      const config = settings({ RESULT_SPOOL_DIR: dir });
      expect(workerSettings(config).spoolDir).toBe(dir);
      expect(workerSettings(settings({ RESULT_SPOOL_DIR: "" })).spoolDir).toMatch(new RegExp(`^${tmpdir()}/chorebot-results-[0-9a-f]{12}$`));
      running = await startApp(config, { web: false, workers: true }, recordingLog().log);
      expect((await stat(dir)).isDirectory()).toBe(true);
    } finally {
      await running?.stop();
      running = null;
      await rm(parent, { recursive: true, force: true });
    }
  });
});

describe("each part's settings", () => {
  const config = () =>
    settings({
      DASHBOARD_USER: "ops",
      DASHBOARD_PASSWORD: "dash-pass-value",
      METRICS_TOKEN: "scrape-token",
      RESULT_WEBHOOK_URL: "https://hooks.example.com/runs",
      RESULT_WEBHOOK_SECRET: "result-secret-value",
      SCRIPT_ENV: "DATABASE_URL",
      DATABASE_URL: "postgres://app:db-pass@db/prod",
    });

  it("the web part gets the logins it checks, never the app's key, the webhook secrets or what scripts are given", () => {
    const web = JSON.stringify(webSettings(config()));
    expect(web).toContain("dash-pass-value");
    expect(web).toContain("scrape-token");
    for (const secret of [key, "hook-secret-value", "result-secret-value", "postgres://app:db-pass@db/prod"]) expect(web).not.toContain(secret);
  });

  it("the workers get how scripts run and what to hide, nothing of the web part", () => {
    const workers = workerSettings(config());
    expect(workers.runner.scriptEnvValues).toEqual(["postgres://app:db-pass@db/prod"]);
    expect(workers.appSecrets).toEqual(expect.arrayContaining([key, "hook-secret-value", "dash-pass-value", "scrape-token", "result-secret-value"]));
    expect(workers).not.toHaveProperty("dashboard");
    expect(workers).not.toHaveProperty("metricsToken");
    expect(workers).not.toHaveProperty("port");
  });
});
