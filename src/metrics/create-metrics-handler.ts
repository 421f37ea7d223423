import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Queue } from "bullmq";
import type { Cluster, Redis } from "ioredis";
import type { Handler } from "../http/handler.js";
import { classifyRedisError, type RedisHealth } from "../redis/redis-info.js";
import { createMetrics } from "./create-metrics.js";
import type { ScheduleMetricsSource } from "./schedule-metrics.js";

/**
 * `GET /metrics` in Prometheus' text format, as a Probot HTTP handler (see createMetrics for
 * what it reports). A scrape must send `Authorization: Bearer <token>` (Prometheus:
 * `authorization: { credentials: … }`) or gets 401: the metrics name every script that ran
 * and how the queues stand, which is nobody's business on the webhook port. Returns null
 * without a token, like the dashboard without credentials: /metrics is then not served.
 *
 * `redis` must be a plain (not subscribed) client of the queues' Redis; `prefix` the queue
 * prefix. A scrape that cannot read Redis within `timeoutMs` (default 10 s) gets 503, unless
 * `redisHealth` (the Redis monitor) is given: then the scrape still answers, with the Redis
 * gauges (`chorebot_redis_up 0` unless Redis answered with a refusal, as BullMQ's Lua reads
 * get under OOM) and this process's own metrics, and does not even try Redis while the
 * monitor knows it is down.
 */
export function createMetricsHandler(o: {
  queues: Queue[];
  redis: Redis | Cluster;
  prefix: string;
  path?: string;
  token: string | null;
  timeoutMs?: number;
  redisHealth?: () => RedisHealth;
  /** The scheduled chores' metrics (see createMetrics); none without. */
  schedules?: ScheduleMetricsSource;
}): Handler | null {
  if (!o.token) return null;
  const path = `/${(o.path ?? "/metrics").replace(/^\/+|\/+$/g, "")}`;
  const expected = digest(o.token);
  const timeoutMs = o.timeoutMs ?? 10_000;
  const metrics = createMetrics(o);

  return async (req: IncomingMessage, res: ServerResponse) => {
    if ((req.url ?? "/").split("?")[0] !== path) return false;
    if (!hasBearer(req.headers.authorization, expected)) {
      res.writeHead(401, { "WWW-Authenticate": 'Bearer realm="chorebot metrics"', "Content-Type": "text/plain; charset=utf-8" });
      res.end("Authentication required\n");
      return true;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8" }).end("Method not allowed\n");
      return true;
    }
    let body: string;
    try {
      body = o.redisHealth && !o.redisHealth().up ? await metrics.renderWithoutRedis() : await withTimeout(metrics.render(), timeoutMs);
    } catch (error) {
      // A refusal (BullMQ's Lua reads are refused under OOM) is an answer: Redis is up.
      const kind = classifyRedisError(error);
      if (o.redisHealth) body = await metrics.renderWithoutRedis(kind === "oom" || kind === "readonly");
      else return unavailable(res, error);
    }
    res.writeHead(200, { "Content-Type": metrics.contentType, "Cache-Control": "no-store" });
    res.end(req.method === "HEAD" ? undefined : body);
    return true;
  };
}

function unavailable(res: ServerResponse, error: unknown): true {
  res.writeHead(503, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });
  res.end(`metrics unavailable: ${error instanceof Error ? error.message : String(error)}\n`);
  return true;
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/** Compared as equal-length digests, so the time taken says nothing about how much matched. */
function hasBearer(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
