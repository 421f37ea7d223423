import { Writable } from "node:stream";
import { Redis } from "ioredis";
import { pino, type Logger } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { checkRedisAtStartup, readStartupDecision } from "../../../src/redis/check-redis.js";
import { createMonitorClient } from "../../../src/redis/monitor-client.js";
import { startRedisMonitor, type RedisMonitor } from "../../../src/redis/redis-monitor.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";

/** A pino logger whose lines (parsed) land in `lines`. */
function capturingLog(): { log: Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(text));
      done();
    },
  });
  return { log: pino({ level: "debug" }, stream), lines };
}

async function until<T>(probe: () => Promise<T | null | undefined | false>, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function redisWith(args: string[]): Promise<TestRedis> {
  const redis = await startRedis(args);
  cleanups.push(() => redis.stop());
  return redis;
}

function clientOf(redis: TestRedis) {
  const client = createMonitorClient({ redisUrl: redis.url, redisClusterNodes: null }, 300);
  cleanups.push(() => client.disconnect());
  return client;
}

describe("startup check (real redis-server)", () => {
  it("refuses allkeys-lru with one line that says why", async () => {
    const redis = await redisWith(["--maxmemory-policy", "allkeys-lru", "--appendonly", "yes"]);
    const { log, lines } = capturingLog();
    const error = await checkRedisAtStartup(clientOf(redis), log).then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.constructor.name).toBe("ConfigError");
    expect(error?.message).toMatch(
      new RegExp(`^Redis 127\\.0\\.0\\.1:${redis.port} has maxmemory-policy allkeys-lru, but chorebot needs noeviction: .*BullMQ loses jobs`),
    );
    expect(error?.message).not.toContain("\n");
    expect(lines).toEqual([]);
  });

  it("warns once when neither AOF nor RDB is on", async () => {
    const redis = await redisWith(["--save", "", "--appendonly", "no"]);
    const { log, lines } = capturingLog();
    await checkRedisAtStartup(clientOf(redis), log);
    expect(lines.map((line) => line.msg)).toEqual([expect.stringMatching(/has neither AOF nor RDB persistence.*appendonly yes/)]);
  });

  it("is quiet with AOF, and with RDB snapshots", async () => {
    for (const args of [
      ["--appendonly", "yes"],
      ["--save", "3600 1"],
    ]) {
      const redis = await redisWith(args);
      expect(await readStartupDecision(clientOf(redis))).toEqual({ refusal: null, warnings: [] });
    }
  });

  it("treats CONFIG being disabled as 'could not tell', never a refusal", async () => {
    const redis = await redisWith(["--rename-command", "CONFIG", ""]);
    const decision = await readStartupDecision(clientOf(redis));
    expect(decision.refusal).toBeNull();
    expect(decision.warnings).toEqual([expect.stringMatching(/could not tell whether Redis persists.*CONFIG GET save was refused/)]);
  });

  it("a Redis that does not answer is a warning, within the deadline", async () => {
    const redis = await redisWith([]);
    redis.pause();
    cleanups.push(() => redis.resume());
    const started = Date.now();
    const decision = await readStartupDecision(clientOf(redis), 500, `127.0.0.1:${redis.port} (REDIS_URL)`);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(decision.refusal).toBeNull();
    // Where it asked, and which setting says so.
    expect(decision.warnings).toEqual([
      expect.stringMatching(new RegExp(`^could not check Redis' settings at startup: Redis at 127\\.0\\.0\\.1:${redis.port} \\(REDIS_URL\\) does not answer `)),
    ]);
  });
});

describe("RedisMonitor (real redis-server)", () => {
  async function monitorOf(
    redis: TestRedis,
    log: Logger,
    options: { intervalMs?: number; reportEveryMs?: number; where?: string } = {},
  ): Promise<RedisMonitor> {
    const monitor = await startRedisMonitor({
      client: clientOf(redis),
      prefix: "{mon}",
      log,
      intervalMs: options.intervalMs ?? 100,
      timeoutMs: 300,
      reportEveryMs: options.reportEveryMs,
      ...(options.where ? { where: options.where } : {}),
    });
    cleanups.push(() => monitor.stop());
    return monitor;
  }

  it("reports up and writable with memory figures, and writes its probe key with a TTL", async () => {
    const redis = await redisWith(["--maxmemory", "50mb", "--maxmemory-policy", "noeviction"]);
    const monitor = await monitorOf(redis, capturingLog().log);
    expect(monitor.health()).toMatchObject({ up: true, writable: true, maxmemory: 50 * 1024 * 1024, refusal: null });
    expect(monitor.health().usedMemory).toBeGreaterThan(0);
    expect(monitor.refusal()).toBeNull();
    const peek = new Redis(redis.port, "127.0.0.1");
    cleanups.push(() => void peek.disconnect());
    expect(await peek.pttl("{mon}:health")).toBeGreaterThan(50_000);
  });

  it("sees a full Redis (OOM), logs it once at first and once per period, and sees it recover", async () => {
    const redis = await redisWith(["--maxmemory", "2mb", "--maxmemory-policy", "noeviction"]);
    const { log, lines } = capturingLog();
    const monitor = await monitorOf(redis, log, { reportEveryMs: 400 });
    const filler = new Redis(redis.port, "127.0.0.1");
    cleanups.push(() => void filler.disconnect());
    const chunk = "x".repeat(64 * 1024);
    for (let i = 0; ; i++) {
      const refused = await filler.append("filler", chunk).then(
        () => false,
        (e: Error) => /OOM/.test(e.message),
      );
      if (refused) break;
      if (i > 1000) throw new Error("never full");
    }
    const full = await until(async () => (await monitor.poll()).refusal === "oom" && monitor.health(), "OOM");
    expect(full).toMatchObject({ up: true, writable: false });
    expect(monitor.refusal()?.status).toBe(503);
    expect(monitor.refusal()?.message).toContain("Redis is full");
    monitor.countRefusedWebhook();
    monitor.countRefusedWebhook();
    const periodic = await until(async () => lines.find((line) => /2 webhooks answered 503 in the last minute/.test(line.msg)), "the periodic line", 5_000);
    expect(periodic.msg).toMatch(/^Redis refuses writes: OOM, maxmemory reached \(used [\d.]+ MB of 2\.0 MB\); runs wait/);
    // No line per poll: with polls every 100 ms for ~0.5 s, only the first line and the periodic ones.
    const refusedLines = lines.filter((line) => line.msg.startsWith("Redis refuses writes"));
    expect(refusedLines.length).toBeLessThanOrEqual(3);

    await filler.del("filler");
    const back = await until(async () => (await monitor.poll()).refusal === null && monitor.health(), "recovery");
    expect(back).toMatchObject({ up: true, writable: true });
    expect(monitor.refusal()).toBeNull();
    expect(lines.some((line) => /^Redis takes writes again after \d+ s; 2 webhooks were answered 503 meanwhile/.test(line.msg))).toBe(true);
  });

  it("sees a read-only replica", async () => {
    const primary = await redisWith([]);
    const replica = await redisWith(["--replicaof", "127.0.0.1", String(primary.port)]);
    const monitor = await monitorOf(replica, capturingLog().log);
    expect(monitor.health()).toMatchObject({ up: true, writable: false, refusal: "readonly" });
    expect(monitor.refusal()?.message).toContain("read-only");
  });

  it("answers within its timeout when Redis hangs, and sees it come back", async () => {
    const redis = await redisWith([]);
    const { log, lines } = capturingLog();
    const monitor = await monitorOf(redis, log, { intervalMs: 60_000, where: `127.0.0.1:${redis.port} (REDIS_URL)` });
    redis.pause();
    const started = Date.now();
    const hung = await monitor.poll();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(hung).toMatchObject({ up: false, writable: false, refusal: "down" });
    expect(lines.filter((line) => line.msg.startsWith(`Redis at 127.0.0.1:${redis.port} (REDIS_URL) is down: `))).toHaveLength(1);
    // /health's reason names no address.
    expect(hung.reason).not.toContain(String(redis.port));
    redis.resume();
    const back = await until(async () => (await monitor.poll()).up && monitor.health(), "Redis back");
    expect(back.writable).toBe(true);
  });

  it("takes a refused write at its word until the next poll", async () => {
    const redis = await redisWith([]);
    const monitor = await monitorOf(redis, capturingLog().log, { intervalMs: 60_000 });
    const { RedisUnavailableError } = await import("../../../src/redis/redis-unavailable-error.js");
    monitor.noteRefused(new RedisUnavailableError("oom", new Error("OOM command not allowed")));
    expect(monitor.refusal()?.kind).toBe("oom");
    await monitor.poll();
    expect(monitor.refusal()).toBeNull();
  });

  it("does not keep the process alive: stop() disconnects its client and polls no more", async () => {
    const redis = await redisWith([]);
    const client = clientOf(redis);
    const monitor = await startRedisMonitor({ client, prefix: "{mon}", log: capturingLog().log, intervalMs: 50, timeoutMs: 300 });
    monitor.stop();
    await until(async () => client.status === "end", "the client to end");
    const checkedAt = monitor.health().checkedAt;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(monitor.health().checkedAt).toBe(checkedAt);
  });

  it("logs an evicting policy it sees after startup once", async () => {
    const redis = await redisWith([]);
    const { log, lines } = capturingLog();
    const monitor = await monitorOf(redis, log, { intervalMs: 60_000 });
    const admin = new Redis(redis.port, "127.0.0.1");
    cleanups.push(() => void admin.disconnect());
    await admin.config("SET", "maxmemory-policy", "allkeys-lru");
    await monitor.poll();
    await monitor.poll();
    expect(lines.filter((line) => /maxmemory-policy allkeys-lru/.test(line.msg))).toHaveLength(1);
  });
});
