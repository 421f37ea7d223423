import { MAX_SHOWN_CURSOR_CHARS, type CheckpointView } from "../run-types.js";
import type { IterationLive } from "./live-state.js";

/** What the worker knows of an iteration as it goes, in this process: the rest is derived from it. */
export interface IterationFacts {
  batchSize: number;
  /** What `count` said; null when it cannot count. */
  total: number | null;
  /** Where this process went on from (its earlier processes' last checkpoint); seq 0, done 0 from the start. */
  start: { seq: number; done: number };
  /** The last checkpoint (this process's, or the one it went on from); null before any. */
  checkpoint: CheckpointView | null;
  /** Items this process has processed so far: its checkpointed batches' and the batch in flight's. */
  processed: number;
  /** When this process started, and now (ms since the epoch): the rate is this process's own. */
  startedAtMs: number;
  nowMs: number;
  pauseRequestedBy?: string;
}

/**
 * An iteration's live progress from its facts: items done in the run, the batch in flight (the
 * items past the last checkpoint), the rate in this process (items per second) and the time
 * left at that rate. Numbers a hostile script lied about are kept in range: done never goes
 * below the checkpoint nor past the total, and no rate comes from a clock that went back.
 */
export function iterationProgress(facts: IterationFacts): IterationLive {
  const checkpointed = Math.max(facts.start.done, facts.checkpoint?.done ?? 0);
  const seq = Math.max(facts.start.seq, facts.checkpoint?.seq ?? 0);
  const processed = Math.max(0, facts.processed);
  let done = Math.max(checkpointed, facts.start.done + processed);
  if (facts.total !== null) done = Math.min(done, Math.max(facts.total, checkpointed));
  const inFlightItems = done - checkpointed;
  const elapsedMs = facts.nowMs - facts.startedAtMs;
  const rate = processed > 0 && elapsedMs > 0 ? (processed * 1000) / elapsedMs : null;
  const left = facts.total === null ? null : Math.max(0, facts.total - done);
  const etaMs = rate === null || left === null ? null : Math.round((left / rate) * 1000);
  const live: IterationLive = {
    batchSize: facts.batchSize,
    total: facts.total,
    done,
    checkpoint: facts.checkpoint,
    inFlight: inFlightItems > 0 ? { seq: seq + 1, from: checkpointed + 1, items: inFlightItems } : null,
    rate: rate === null ? null : Math.round(rate * 100) / 100,
    etaMs,
  };
  if (facts.pauseRequestedBy !== undefined) live.pauseRequestedBy = facts.pauseRequestedBy;
  return live;
}

/**
 * A cursor as records and pages show it: its JSON on one line, cut to MAX_SHOWN_CURSOR_CHARS
 * (it comes redacted already; where it goes, each surface escapes it).
 */
export function shownCursor(cursor: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(cursor) ?? "null";
  } catch {
    text = "(not JSON)";
  }
  text = text.replace(/[\r\n\u2028\u2029]/g, " ");
  return text.length > MAX_SHOWN_CURSOR_CHARS ? `${text.slice(0, MAX_SHOWN_CURSOR_CHARS - 1)}…` : text;
}

/** An IterationLive read back from a job's progress, each field checked; null when it is not one. */
export function readIterationLive(value: unknown): IterationLive | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (!count(v.batchSize) || !count(v.done)) return null;
  const live: IterationLive = {
    batchSize: v.batchSize as number,
    total: count(v.total) ? (v.total as number) : null,
    done: v.done as number,
    checkpoint: checkpointOf(v.checkpoint),
    inFlight: inFlightOf(v.inFlight),
    rate: typeof v.rate === "number" && Number.isFinite(v.rate) && v.rate >= 0 ? v.rate : null,
    etaMs: count(v.etaMs) ? (v.etaMs as number) : null,
  };
  if (typeof v.pauseRequestedBy === "string") live.pauseRequestedBy = v.pauseRequestedBy;
  return live;
}

function count(value: unknown): boolean {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function checkpointOf(value: unknown): CheckpointView | null {
  if (typeof value !== "object" || value === null) return null;
  const c = value as Record<string, unknown>;
  if (!count(c.seq) || !count(c.done) || typeof c.cursor !== "string" || typeof c.at !== "string") return null;
  return { seq: c.seq as number, done: c.done as number, cursor: c.cursor, at: c.at };
}

function inFlightOf(value: unknown): IterationLive["inFlight"] {
  if (typeof value !== "object" || value === null) return null;
  const f = value as Record<string, unknown>;
  if (!count(f.seq) || !count(f.from) || !count(f.items)) return null;
  return { seq: f.seq as number, from: f.from as number, items: f.items as number };
}
