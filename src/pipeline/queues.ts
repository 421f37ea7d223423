import { FlowProducer, Queue, type ConnectionOptions, type Telemetry } from "bullmq";

/**
 * A run's steps; `index`, which lists the default branch's chores after each push (it runs
 * none); and `schedule`, where the chores' job schedulers put one small trigger job per
 * occurrence, which queues that occurrence's run.
 */
export const QUEUE_NAMES = ["discover", "process", "execute", "cleanup", "index", "schedule"] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** BullMQ connection options from a redis:// or rediss:// URL. */
export function redisConnection(url: string): ConnectionOptions {
  const parsed = new URL(url);
  const db = parsed.pathname.replace(/^\//, "");
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ""),
    port: Number(parsed.port || 6379),
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: db ? Number(db) : 0,
    tls: parsed.protocol === "rediss:" ? {} : undefined,
    // Workers block on Redis; BullMQ requires unlimited retries per request for them.
    maxRetriesPerRequest: null,
  };
}

export interface Queues {
  byName: Record<QueueName, Queue>;
  flows: FlowProducer;
  close(): Promise<void>;
}

/**
 * The most events BullMQ keeps in each queue's event stream (its default is 10,000). Every
 * `Queue` object rewrites the cap when it is created, so every one, in every process, is
 * made by `openQueue` with this value; retention also trims events older than its window.
 */
export const EVENTS_MAX_LEN = 1_000;

/** One of chorebot's queues, with the event stream capped as everywhere else. */
export function openQueue(name: string, connection: ConnectionOptions, prefix: string, telemetry?: Telemetry): Queue {
  return new Queue(name, { connection, prefix, telemetry, streams: { events: { maxLen: EVENTS_MAX_LEN } } });
}

/** `telemetry` (when tracing is on) puts each added job in the trace that added it. */
export function openQueues(connection: ConnectionOptions, prefix: string, telemetry?: Telemetry): Queues {
  const byName = Object.fromEntries(QUEUE_NAMES.map((name) => [name, openQueue(name, connection, prefix, telemetry)])) as Record<QueueName, Queue>;
  const flows = new FlowProducer({ connection, prefix, telemetry });
  return {
    byName,
    flows,
    async close() {
      await Promise.all([flows.close(), ...Object.values(byName).map((queue) => queue.close())]);
    },
  };
}
