import type { ConnectionOptions } from "bullmq";
import { Cluster, Redis, type RedisOptions } from "ioredis";
import { redisConnection } from "../pipeline/queues.js";
import { onRedisError } from "./redis-errors.js";

/** Where the app's Redis is: one server (`REDIS_URL`) or a Redis Cluster (`REDIS_CLUSTER_NODES`). */
export interface RedisSettings {
  redisUrl: string | null;
  redisClusterNodes: { host: string; port: number }[] | null;
}

/** A plain (not subscribed) client of the app's Redis: one server or a cluster. */
export type RedisClient = Redis | Cluster;

/**
 * A new client of the app's Redis. Every key the app uses carries the `{chorebot}` hash tag
 * (the queue prefix), so on a cluster all of them, jobs included, live in one slot.
 */
export function createRedisClient(settings: RedisSettings): RedisClient {
  if (!settings.redisClusterNodes && !settings.redisUrl) throw new Error("REDIS_URL or REDIS_CLUSTER_NODES is required");
  const client = settings.redisClusterNodes
    ? new Cluster(settings.redisClusterNodes, { redisOptions: { maxRetriesPerRequest: null } })
    : new Redis(redisConnection(settings.redisUrl!) as RedisOptions);
  // Reported once a minute while Redis is away, not a stack per reconnect.
  client.on("error", onRedisError);
  return client;
}

/**
 * BullMQ's `connection`: options for a single Redis (each queue and worker opens its own
 * connections, as before), or for a cluster a Cluster instance, shared by queues and
 * duplicated by BullMQ for workers' blocking connections. The caller disconnects a Cluster
 * when everything using it is closed (`closeConnection`).
 */
export function bullConnection(settings: RedisSettings): ConnectionOptions {
  if (settings.redisClusterNodes) return createRedisClient(settings);
  if (!settings.redisUrl) throw new Error("REDIS_URL or REDIS_CLUSTER_NODES is required");
  return redisConnection(settings.redisUrl);
}

/**
 * A connection of its own for a blocking reader (QueueEvents): the same options, or a
 * duplicate of a shared Cluster. Release it with `closeConnection` after the reader closed.
 */
export function dedicatedConnection(connection: ConnectionOptions): ConnectionOptions {
  return connection instanceof Cluster ? connection.duplicate() : connection;
}

/** Disconnects `connection` if it is a client instance; options need nothing. */
export function closeConnection(connection: ConnectionOptions): void {
  if (connection instanceof Cluster || connection instanceof Redis) connection.disconnect();
}
