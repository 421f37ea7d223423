import type { RedisHealth } from "../redis/redis-info.js";

export interface HealthAnswer {
  status: 200 | 503;
  body: {
    status: "ok" | "unavailable";
    reason?: string;
    redis: { up: boolean; writable: boolean; used_memory: number | null; maxmemory: number | null };
  };
}

/**
 * `GET /health` (readiness): 200 when Redis answers and takes writes, else 503 with a short
 * reason (down, full, read-only). Built from the monitor's last poll, so it costs no Redis
 * round trip and answers at once however Redis is doing; it names no address or credential.
 */
export function healthAnswer(health: RedisHealth): HealthAnswer {
  const redis = { up: health.up, writable: health.writable, used_memory: health.usedMemory, maxmemory: health.maxmemory };
  if (health.up && health.writable) return { status: 200, body: { status: "ok", redis } };
  return { status: 503, body: { status: "unavailable", reason: health.reason ?? "Redis refuses writes", redis } };
}
