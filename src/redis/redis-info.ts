/**
 * Pure judgements of what Redis says about itself (`INFO`, `CONFIG GET save`, error replies):
 * no I/O here, so every decision is unit-tested on text. check-redis.ts and redis-monitor.ts
 * do the asking.
 */

/** `INFO` text (any sections) as field → value; section headers and blank lines skipped. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const colon = line.indexOf(":");
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** What one Redis server's settings mean for chorebot. */
export interface SettingsJudgement {
  /** Why chorebot must not start on this Redis, or null. */
  refusal: string | null;
  /** Whether losing this Redis loses data: "on", "off", or "unknown" with why. */
  persistence: { state: "on" } | { state: "off" } | { state: "unknown"; why: string };
  /** Settings that could not be read (never a reason to refuse). */
  unknowns: string[];
}

/**
 * Judges one server from its `INFO memory` + `INFO persistence` text and its `CONFIG GET save`
 * value (null when CONFIG was refused, as managed services often do).
 * - `maxmemory_policy` other than `noeviction` is a refusal: Redis would evict BullMQ's keys
 *   when full, losing queued jobs and run records without an error anywhere.
 * - Persistence is on with AOF (`aof_enabled:1`) or RDB (a non-empty `save`).
 */
export function judgeSettings(info: string, save: string | null, node: string): SettingsJudgement {
  const fields = parseInfo(info);
  const unknowns: string[] = [];
  let refusal: string | null = null;
  const policy = fields.get("maxmemory_policy");
  if (policy === undefined) unknowns.push(`could not tell the eviction policy of Redis ${node} (INFO has no maxmemory_policy); it must be noeviction`);
  else if (policy !== "noeviction") {
    refusal =
      `Redis ${node} has maxmemory-policy ${policy}, but chorebot needs noeviction: ` +
      `with an evicting policy a full Redis silently drops queued jobs and run records (BullMQ loses jobs). ` +
      `Set maxmemory-policy noeviction on that Redis`;
  }
  const aof = fields.get("aof_enabled");
  let persistence: SettingsJudgement["persistence"];
  if (aof === "1") persistence = { state: "on" };
  else if (save !== null && save.trim() !== "") persistence = { state: "on" };
  else if (aof === undefined) persistence = { state: "unknown", why: "INFO has no aof_enabled" };
  else if (save === null) persistence = { state: "unknown", why: "AOF is off and CONFIG GET save was refused" };
  else persistence = { state: "off" };
  return { refusal, persistence, unknowns };
}

/** One startup decision for all the servers checked (every master of a cluster). */
export interface StartupDecision {
  /** The one line chorebot stops with, or null to start. */
  refusal: string | null;
  /** One warning line each (at most one about persistence), or none. */
  warnings: string[];
}

export function decideStartup(judged: { node: string; judgement: SettingsJudgement }[]): StartupDecision {
  const refusals = judged.map(({ judgement }) => judgement.refusal).filter((r): r is string => r !== null);
  const warnings = judged.flatMap(({ judgement }) => judgement.unknowns);
  const off = judged.filter(({ judgement }) => judgement.persistence.state === "off").map(({ node }) => node);
  const unknown = judged.flatMap(({ node, judgement }) => (judgement.persistence.state === "unknown" ? [`${node}: ${judgement.persistence.why}`] : []));
  const parts: string[] = [];
  if (off.length > 0) parts.push(`Redis ${off.join(", ")} has neither AOF nor RDB persistence`);
  if (unknown.length > 0) parts.push(`could not tell whether Redis persists its data (${unknown.join("; ")})`);
  if (parts.length > 0) {
    warnings.push(
      `${parts.join("; ")}: if Redis restarts, queued runs and the records that keep a script from running twice are lost. ` +
        `Turn on appendonly yes (or RDB snapshots)`,
    );
  }
  return { refusal: refusals.length > 0 ? refusals.join("; ") : null, warnings };
}

/** Why Redis refused a command, as far as chorebot cares. */
export type RefusalKind = "oom" | "readonly" | "down";

/**
 * Classifies an error of a Redis command: `oom` (maxmemory reached with noeviction),
 * `readonly` (a replica answered, e.g. after a failover), `down` (no connection, timeout,
 * cluster without a reachable master), or null for anything else (a bug, a script error).
 * An `EXECABORT` (a MULTI, as BullMQ uses, with a refused command) is judged by the errors
 * ioredis attaches as `previousErrors`; a `cause` or a cluster's `lastNodeError` likewise.
 */
export function classifyRedisError(error: unknown): RefusalKind | null {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const current = pending.shift();
    if (!(current instanceof Error) || seen.has(current)) continue;
    seen.add(current);
    const kind = classifyOne(current);
    if (kind) return kind;
    const { cause, lastNodeError, previousErrors } = current as { cause?: unknown; lastNodeError?: unknown; previousErrors?: unknown };
    pending.push(cause, lastNodeError, ...(Array.isArray(previousErrors) ? (previousErrors as unknown[]) : []));
  }
  return null;
}

function classifyOne(error: Error): RefusalKind | null {
  const message = error.message ?? "";
  if (/\bOOM\b/.test(message) || /maxmemory/i.test(message)) return "oom";
  if (/\bREADONLY\b/.test(message) || /read only replica/i.test(message)) return "readonly";
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH", "EAI_AGAIN"].includes(code)) return "down";
  if (
    /Connection is closed|Stream isn't writeable|enableOfflineQueue|Command timed out|Failed to refresh slots cache|None of startup nodes is available|Too many Cluster redirections|CLUSTERDOWN|MASTERDOWN|LOADING|connect ETIMEDOUT|Reached the max retries per request/i.test(
      message,
    )
  ) {
    return "down";
  }
  return null;
}

/** What the monitor last learned about Redis. */
export interface RedisHealth {
  /** Redis answered the last poll. */
  up: boolean;
  /** Redis accepted the last write probe. */
  writable: boolean;
  /** `used_memory` and `maxmemory` (0: no limit) of the (fullest) master, null before the first answer. */
  usedMemory: number | null;
  maxmemory: number | null;
  /** Why Redis is not usable (null when up and writable). */
  refusal: RefusalKind | null;
  /** A short reason for people, without addresses or credentials; null when fine. */
  reason: string | null;
  /** When this was learned (ms since the epoch); 0 before the first poll. */
  checkedAt: number;
}

export const UNKNOWN_HEALTH: RedisHealth = {
  up: false,
  writable: false,
  usedMemory: null,
  maxmemory: null,
  refusal: "down",
  reason: "Redis not checked yet",
  checkedAt: 0,
};

/**
 * The health of one poll: `info` is `INFO memory` text (null: no answer, with `infoError`),
 * `probe` the outcome of the write probe (null: it succeeded).
 */
export function judgeHealth(o: { info: string | null; infoError?: unknown; probeError: unknown; now: number }): RedisHealth {
  if (o.info === null) {
    return {
      up: false,
      writable: false,
      usedMemory: null,
      maxmemory: null,
      refusal: "down",
      reason: refusalReason("down", { usedMemory: null, maxmemory: null }, o.infoError),
      checkedAt: o.now,
    };
  }
  const fields = parseInfo(o.info);
  const usedMemory = numberField(fields, "used_memory");
  const maxmemory = numberField(fields, "maxmemory");
  const memory = { usedMemory, maxmemory };
  const probeKind = o.probeError === null ? null : (classifyRedisError(o.probeError) ?? "down");
  if (probeKind === "readonly")
    return { up: true, writable: false, ...memory, refusal: "readonly", reason: refusalReason("readonly", memory), checkedAt: o.now };
  if (probeKind === "down")
    return { up: false, writable: false, ...memory, refusal: "down", reason: refusalReason("down", memory, o.probeError), checkedAt: o.now };
  const full =
    probeKind === "oom" ||
    (maxmemory !== null && maxmemory > 0 && usedMemory !== null && usedMemory >= maxmemory && fields.get("maxmemory_policy") === "noeviction");
  if (full) {
    return {
      up: true,
      writable: false,
      ...memory,
      refusal: "oom",
      reason: refusalReason("oom", memory),
      checkedAt: o.now,
    };
  }
  return { up: true, writable: true, ...memory, refusal: null, reason: null, checkedAt: o.now };
}

/** The short reason /health gives for a refusal (no address, no credential). */
export function refusalReason(kind: RefusalKind, memory: { usedMemory: number | null; maxmemory: number | null }, error?: unknown): string {
  if (kind === "oom") return `Redis is full (used_memory ${memory.usedMemory ?? "?"} of maxmemory ${memory.maxmemory ?? "?"}): writes are refused (OOM)`;
  if (kind === "readonly") return "Redis is a read-only replica (READONLY): writes are refused";
  return `Redis does not answer (${shortError(error)})`;
}

/** The worst of several masters' health (a cluster): any down or refusing one counts; memory of the fullest. */
export function worstHealth(all: RedisHealth[]): RedisHealth {
  if (all.length === 1) return all[0]!;
  const rank = (h: RedisHealth) => (h.refusal === "down" ? 3 : h.refusal === "oom" ? 2 : h.refusal === "readonly" ? 1 : 0);
  const worst = [...all].sort((a, b) => rank(b) - rank(a))[0] ?? UNKNOWN_HEALTH;
  const fullest = [...all].filter((h) => h.usedMemory !== null).sort((a, b) => ratio(b) - ratio(a))[0];
  return { ...worst, usedMemory: fullest?.usedMemory ?? worst.usedMemory, maxmemory: fullest?.maxmemory ?? worst.maxmemory };
}

function ratio(h: RedisHealth): number {
  if (h.usedMemory === null) return -1;
  return h.maxmemory ? h.usedMemory / h.maxmemory : 0;
}

/** The message a webhook gets when its work cannot be queued (no address, no stack). */
export function refusalMessage(kind: RefusalKind): string {
  const what =
    kind === "oom"
      ? "Redis is full (maxmemory reached)"
      : kind === "readonly"
        ? "Redis is read-only (a replica answered, e.g. after a failover)"
        : "Redis does not answer";
  return `chorebot cannot queue this delivery: ${what}; redeliver it from the App's advanced settings once Redis accepts writes again`;
}

/**
 * A short, secret-free description of an error: its code (ECONNREFUSED, …) or its first line
 * with URLs and addresses taken out (an unauthenticated /health shows it).
 */
export function shortError(error: unknown): string {
  if (error === undefined || error === null) return "no answer";
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return code;
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- anything may be thrown; String() is the best description there is
  const message = error instanceof Error ? error.message : String(error);
  // ioredis' way of saying a command found no connection, with advice meant for developers.
  if (/^Reached the max retries per request/.test(message)) return "not connected";
  const line = (message.split("\n")[0] ?? "")
    .replace(/\w+:\/\/\S+/g, "<url>")
    .replace(/\[?[0-9a-fA-F:.]*[:.][0-9a-fA-F:.]*\]?:\d+/g, "<address>")
    .slice(0, 160);
  return line || "error";
}

/** Bytes for people: `12.3 MB`. */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return "?";
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** A numeric field of parsed INFO text, or null when it is absent or not a number. */
export function numberField(fields: Map<string, string>, name: string): number | null {
  const raw = fields.get(name);
  if (raw === undefined) return null;
  const value = Number(raw);
  return Number.isFinite(value) ? value : null;
}
