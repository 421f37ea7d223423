import type { Logger } from "pino";
import { classifyRedisError, shortError } from "./redis-info.js";

export interface RateLimitedLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

const lastLogged = new Map<string, { at: number; suppressed: number }>();

/**
 * A logger for errors that come in floods (a worker's `error` events while Redis is down or
 * full): the first line under `key` is logged, then at most one per `everyMs`, saying how
 * many were left out since. An `err` that is a Redis refusal (OOM, READONLY, no connection)
 * is logged as its short message, without a stack: the monitor already says what is wrong.
 * Lines under the same key share the budget, wherever they are logged from.
 *
 *   const workerErrors = rateLimitedLog(log, `worker-error:${worker.name}`, 60_000);
 *   worker.on("error", (err) => workerErrors.error({ queue: worker.name, err }, "worker error"));
 */
export function rateLimitedLog(log: Logger, key: string, everyMs = 60_000, now: () => number = Date.now): RateLimitedLogger {
  const emit = (level: "warn" | "error", obj: Record<string, unknown>, msg: string) => {
    const at = now();
    const last = lastLogged.get(key);
    if (last && at - last.at < everyMs) {
      last.suppressed++;
      return;
    }
    lastLogged.set(key, { at, suppressed: 0 });
    const fields = { ...obj };
    if (fields.err !== undefined && classifyRedisError(fields.err) !== null) fields.err = shortError(fields.err);
    const note = last && last.suppressed > 0 ? ` (${last.suppressed} more like it in the last ${Math.round((at - last.at) / 1000)} s not logged)` : "";
    log[level](fields, `${msg}${note}`);
  };
  return {
    warn: (obj, msg) => emit("warn", obj, msg),
    error: (obj, msg) => emit("error", obj, msg),
  };
}
