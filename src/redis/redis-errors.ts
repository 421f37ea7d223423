import type { Logger } from "pino";
import { rateLimitedLog, type RateLimitedLogger } from "./rate-limited-log.js";
import { classifyRedisError, shortError } from "./redis-info.js";

// What a Redis client's or a queue's `error` event says while Redis cannot be reached. Every
// client and queue in the process reports here, so an outage is one line a minute in all,
// not a stack per client per reconnect (ioredis and BullMQ print those when nobody listens).
let report: ((error: unknown) => void) | null = null;

const CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found (DNS lookup failed)",
  EPIPE: "connection closed",
};

/** Why Redis cannot be reached, in words: "connection refused", "host not found", … */
export function unreachableReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && CODES[code]) return CODES[code];
  return shortError(error);
}

/**
 * From now on, `error` events of every client and queue (onRedisError) are logged through
 * `log`: Redis not answering as `cannot reach Redis at <where>: connection refused; retrying`,
 * anything else as a `Redis error` warning, each at most once per `everyMs`.
 */
export function logRedisErrors(log: Logger, where: string, everyMs = 60_000): void {
  const unreachable: RateLimitedLogger = rateLimitedLog(log, "redis-unreachable", everyMs);
  const other: RateLimitedLogger = rateLimitedLog(log, "redis-error", everyMs);
  report = (error) => {
    if (classifyRedisError(error) === "down") unreachable.warn({}, `cannot reach Redis at ${where}: ${unreachableReason(error)}; retrying`);
    else other.warn({ err: error }, "Redis error");
  };
}

/** The `error` listener of a Redis client or BullMQ queue: reported (logRedisErrors), never thrown, never a stack on stderr. */
export function onRedisError(error: unknown): void {
  report?.(error);
}

/** Listens for `error` on each of them, so that none prints its own stack. */
export function listenForRedisErrors(emitters: Iterable<{ on(event: "error", listener: (error: Error) => void): unknown }>): void {
  for (const emitter of emitters) emitter.on("error", onRedisError);
}

/**
 * Where the app's Redis is, for a log line: its address and the setting that says so, e.g.
 * `127.0.0.1:6390 (REDIS_URL)` or `10.0.0.1:7000,10.0.0.2:7000 (REDIS_CLUSTER_NODES)`; never its credentials.
 */
export function redisWhere(settings: { redisUrl: string | null; redisClusterNodes: { host: string; port: number }[] | null }): string {
  return `${redisAddress(settings)} (${settings.redisClusterNodes ? "REDIS_CLUSTER_NODES" : "REDIS_URL"})`;
}

/** `host:port` (or the socket path, or the cluster's seed nodes) of the app's Redis, never its credentials. */
export function redisAddress(settings: { redisUrl: string | null; redisClusterNodes: { host: string; port: number }[] | null }): string {
  if (settings.redisClusterNodes) return settings.redisClusterNodes.map(({ host, port }) => `${host}:${port}`).join(",");
  if (!settings.redisUrl) return "?";
  const url = new URL(settings.redisUrl);
  return `${url.hostname}:${url.port || 6379}`;
}
