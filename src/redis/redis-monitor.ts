import { Cluster } from "ioredis";
import type { Logger } from "pino";
import type { RedisClient } from "./redis-client.js";
import { mastersOf, nodeName, withTimeout } from "./monitor-client.js";
import { formatBytes, judgeHealth, judgeSettings, refusalReason, UNKNOWN_HEALTH, worstHealth, type RedisHealth } from "./redis-info.js";
import { RedisUnavailableError } from "./redis-unavailable-error.js";
import { componentLogger } from "../logger.js";

export interface RedisMonitor {
  /** What the last poll (or a refused write since) said; no Redis round trip. */
  health(): RedisHealth;
  /** The error a delivery that must queue work gets now, or null when Redis takes writes (or is not known yet). */
  refusal(): RedisUnavailableError | null;
  /** A write of the app was refused: believe it until the next poll says otherwise. */
  noteRefused(error: RedisUnavailableError): void;
  /** A webhook was answered 503 (counted in the once-a-minute line). */
  countRefusedWebhook(): void;
  /** Polls now and resolves with the result (the first poll has run once `startRedisMonitor` resolved). */
  poll(): Promise<RedisHealth>;
  /** Stops polling and disconnects the client. */
  stop(): void;
}

export interface RedisMonitorOptions {
  /** A client of its own (createMonitorClient), disconnected by stop(). */
  client: RedisClient;
  /** The queue prefix: the write probe is `<prefix>:health` (same hash slot as the queues). */
  prefix: string;
  log: Logger;
  /** How often Redis is polled (default 5 s). */
  intervalMs?: number;
  /** How long a poll's command may take (default 1 s). */
  timeoutMs?: number;
  /** How often a line is logged while Redis refuses writes (default 60 s). */
  reportEveryMs?: number;
  /** Where Redis is, named in the lines saying it is down (redisWhere: address and setting, no credentials). */
  where?: string;
}

/**
 * Polls Redis every few seconds (`INFO memory` and a tiny write, `SET <prefix>:health <ts>
 * PX 60000`) and keeps the latest state, so `/health`, `/metrics` and the webhook path read
 * it without a round trip. While Redis refuses writes or is down it logs one line when that
 * starts, one a minute while it lasts (with the webhooks answered 503 meanwhile) and one when
 * it ends: never a line per failed command. An evicting `maxmemory-policy` seen later (Redis
 * was down at startup, or reconfigured) is logged once per value. Its timers are unref'd and
 * `stop()` disconnects: it never keeps a stopping process alive.
 */
export async function startRedisMonitor(o: RedisMonitorOptions): Promise<RedisMonitor> {
  const intervalMs = o.intervalMs ?? 5_000;
  const timeoutMs = o.timeoutMs ?? 1_000;
  const reportEveryMs = o.reportEveryMs ?? 60_000;
  const log = componentLogger(o.log, "redis");
  const probeKey = `${o.prefix}:health`;
  // The client reports every failed reconnect as an `error` event: the monitor says it once.
  o.client.on("error", () => {});

  let current: RedisHealth = UNKNOWN_HEALTH;
  let badSince: number | null = null;
  let refusedWebhooks = 0;
  let refusedSinceStart = 0;
  let reportTimer: NodeJS.Timeout | null = null;
  let pollTimer: NodeJS.Timeout | null = null;
  let stopped = false;
  let polling: Promise<RedisHealth> | null = null;
  const policiesSeen = new Set<string>();

  const describe = (h: RedisHealth) =>
    h.refusal === "down"
      ? `Redis${o.where ? ` at ${o.where}` : ""} is down: ${h.reason}`
      : `Redis refuses writes: ${h.refusal === "oom" ? "OOM, maxmemory reached" : "READONLY, a read-only replica answers"} (used ${formatBytes(h.usedMemory)} of ${formatBytes(h.maxmemory)})`;

  const report = () => {
    if (current.refusal === null || stopped) return;
    log.warn(`${describe(current)}; runs wait until it takes writes again; ${refusedWebhooks} webhooks answered 503 in the last minute`);
    refusedWebhooks = 0;
  };

  // The refusal last logged (null: none, or Redis fine again): lines are logged on its changes.
  let announced: RedisHealth["refusal"] = null;
  const set = (next: RedisHealth) => {
    const wasBad = announced !== null;
    const isBad = next.refusal !== null;
    const changed = announced !== next.refusal;
    current = next;
    announced = next.refusal;
    if (isBad && (!wasBad || changed)) {
      badSince ??= next.checkedAt;
      log.warn(`${describe(next)}; runs wait until it takes writes again, and push webhooks are answered 503 (logged once a minute while this lasts)`);
      if (!reportTimer) {
        reportTimer = setInterval(report, reportEveryMs);
        reportTimer.unref();
      }
    } else if (!isBad && wasBad) {
      const seconds = badSince === null ? 0 : Math.round((next.checkedAt - badSince) / 1000);
      log.info(`Redis takes writes again after ${seconds} s; ${refusedSinceStart} webhooks were answered 503 meanwhile`);
      badSince = null;
      refusedWebhooks = 0;
      refusedSinceStart = 0;
      if (reportTimer) clearInterval(reportTimer);
      reportTimer = null;
    }
  };

  const checkPolicy = (node: string, info: string) => {
    const refusal = judgeSettings(info, "unknown", node).refusal;
    if (refusal && !policiesSeen.has(refusal)) {
      policiesSeen.add(refusal);
      log.error(refusal);
    }
  };

  const pollOnce = async (): Promise<RedisHealth> => {
    const now = Date.now();
    const probe = withTimeout(o.client.set(probeKey, String(now), "PX", 60_000), timeoutMs).then(
      () => null,
      (error: unknown) => error ?? new Error("write refused"),
    );
    const infos = await Promise.all(
      mastersOf(o.client).map((node) =>
        withTimeout(node.info("memory"), timeoutMs).then(
          (info) => ({ node, info, error: undefined as unknown }),
          (error: unknown) => ({ node, info: null, error }),
        ),
      ),
    );
    const probeError = await probe;
    for (const { node, info } of infos) if (info !== null) checkPolicy(nodeName(node), info);
    if (infos.length === 0) {
      // A cluster without a known master (not connected yet).
      return judgeHealth({ info: null, infoError: probeError ?? new Error("no master reachable"), probeError, now });
    }
    // On a cluster every key of the app is in one slot: the probe's master is the one that matters.
    const owner = o.client instanceof Cluster ? await ownerOf(o.client, probeKey, timeoutMs) : null;
    const relevant = owner ? infos.filter(({ node }) => nodeName(node) === owner) : [];
    const healths = (relevant.length > 0 ? relevant : infos).map(({ info, error }) => judgeHealth({ info, infoError: error, probeError: null, now }));
    const memory = worstHealth(healths);
    const probed = judgeHealth({ info: null, probeError, now });
    if (probeError === null) return memory;
    // The probe was refused: its reason, with the memory figures of the master(s).
    const info = (relevant[0] ?? infos[0])?.info ?? null;
    const withProbe = info === null ? probed : judgeHealth({ info, probeError, now });
    return worstHealth([memory, withProbe]);
  };

  const poll = () => {
    polling ??= pollOnce()
      .catch((error: unknown) => judgeHealth({ info: null, infoError: error, probeError: error, now: Date.now() }))
      .then((health) => {
        if (!stopped) set(health);
        return health;
      })
      .finally(() => {
        polling = null;
      });
    return polling;
  };

  const schedule = () => {
    if (stopped) return;
    pollTimer = setTimeout(() => void poll().finally(schedule), intervalMs);
    pollTimer.unref();
  };

  await poll();
  schedule();

  return {
    health: () => current,
    refusal() {
      if (current.refusal === null || current.checkedAt === 0) return null;
      return new RedisUnavailableError(current.refusal);
    },
    noteRefused(error) {
      if (current.refusal === error.kind) return;
      // Believed at once (the webhook gate), logged by the poll below with fresh figures.
      current = {
        ...current,
        up: error.kind !== "down",
        writable: false,
        refusal: error.kind,
        reason: refusalReason(error.kind, current, error.detail ?? undefined),
        checkedAt: Date.now(),
      };
      // Fresh figures (used_memory) for /health and the log, without waiting for the next poll.
      void poll();
    },
    countRefusedWebhook() {
      refusedWebhooks++;
      refusedSinceStart++;
    },
    poll,
    stop() {
      stopped = true;
      if (pollTimer) clearTimeout(pollTimer);
      if (reportTimer) clearInterval(reportTimer);
      o.client.disconnect();
    },
  };
}

/** `host:port` of the master holding `key`'s slot, from the cluster client's slot table. */
async function ownerOf(cluster: Cluster, key: string, timeoutMs: number): Promise<string | null> {
  try {
    const slot = Number(await withTimeout(cluster.cluster("KEYSLOT", key) as Promise<unknown>, timeoutMs));
    return cluster.slots[slot]?.[0] ?? null;
  } catch {
    return null;
  }
}
