import { Cluster, Redis, type RedisOptions } from "ioredis";
import { redisConnection } from "../pipeline/queues.js";
import type { RedisClient, RedisSettings } from "./redis-client.js";

/**
 * A client of the app's Redis for checking on it (the startup check and the monitor), never
 * for the app's data: unlike the queues' clients it gives up quickly. A command waiting for
 * a connection or an answer fails after `commandTimeoutMs` instead of waiting for Redis to
 * come back, so a probe of a hung Redis is bounded.
 */
export function createMonitorClient(settings: RedisSettings, commandTimeoutMs = 1_000): RedisClient {
  const quick: RedisOptions = {
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 1,
    // Reconnect forever, at most every 2 s: the monitor must notice when Redis is back.
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  };
  if (settings.redisClusterNodes) {
    return new Cluster(settings.redisClusterNodes, {
      redisOptions: quick,
      clusterRetryStrategy: (times) => Math.min(times * 200, 2_000),
      slotsRefreshTimeout: 2_000,
    });
  }
  if (!settings.redisUrl) throw new Error("REDIS_URL or REDIS_CLUSTER_NODES is required");
  return new Redis({ ...(redisConnection(settings.redisUrl) as RedisOptions), ...quick });
}

/** `host:port` of a client or node, never its credentials. */
export function nodeName(client: Redis): string {
  const { host, port, path } = client.options;
  return path ? path : `${host ?? "localhost"}:${port ?? 6379}`;
}

/** The servers to ask about settings: every master of a cluster, or the one server. */
export function mastersOf(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes("master") : [client];
}

/** Resolves once `client` is connected (a cluster: has its slots), or rejects after `ms`. */
export async function waitUntilReady(client: RedisClient, ms: number): Promise<void> {
  if (client.status === "ready") return;
  let lastError: unknown;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => finish(lastError ?? new Error(`Redis did not answer within ${ms} ms`)), ms);
    const onReady = () => finish(null);
    const onError = (error: unknown) => {
      lastError = error;
    };
    const finish = (error: unknown) => {
      clearTimeout(timer);
      client.off("ready", onReady);
      client.off("error", onError);
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the client's own error, passed on as is
      if (error) reject(error);
      else resolve();
    };
    client.on("ready", onReady);
    client.on("error", onError);
  });
}

/** `promise`, or a rejection after `ms` (the timer does not keep the process alive). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what = "Redis"): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(`${what} did not answer within ${ms} ms`), { code: "ETIMEDOUT" })), ms);
        timer.unref();
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
