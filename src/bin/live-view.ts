// What `chorebot run` shows of an SDK script's progress, counters and result: pure text,
// from state, so every case is a unit test. live-report.ts decides when to show it.

export interface Progress {
  done: number;
  total: number | null;
}

export type Counters = ReadonlyMap<string, number>;

const BAR_WIDTH = 20;
const MAX_RESULT_CHARS = 1000;
// C0 controls and DEL: a script's counter name or log line must not move the cursor or
// erase what is on screen (escape sequences are stripped before this; a lone \r is not).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/g;

/** Text a script chose, made safe to print on one terminal line. */
export function printable(text: string): string {
  return text.replace(CONTROL, "�");
}

/** 42 ms, 12s, 3m 05s, 2h 03m: short, and precise enough for an ETA. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, "0")}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 100) return `${hours}h ${String(minutes % 60).padStart(2, "0")}m`;
  return `${Math.floor(hours / 24)}d`;
}

/** The share done, 0..1, or null when there is no total to measure against. */
function fraction(progress: Progress): number | null {
  if (progress.total === null || !(progress.total > 0)) return null;
  return Math.min(1, Math.max(0, progress.done / progress.total));
}

/** Where progress was first seen, to measure the pace from (start-up time would skew it). */
export interface ProgressStart {
  done: number;
  atMs: number;
}

/**
 * The time left at the pace since progress was first reported, rounded up to a second; null
 * when it cannot be told (no total, no progress since, or all done).
 */
export function eta(start: ProgressStart | null, progress: Progress, nowMs: number): number | null {
  const share = fraction(progress);
  if (start === null || share === null || share >= 1) return null;
  const done = progress.done - start.done;
  const ms = nowMs - start.atMs;
  if (!(done > 0) || !(ms > 0)) return null;
  const left = (ms * (progress.total! - progress.done)) / done;
  return Number.isFinite(left) && left >= 0 ? Math.ceil(left / 1000) * 1000 : null;
}

function number(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)));
}

/** "45/100 45% ETA 12s", "45/100 100%", or "45 done" when the total is unknown. */
export function describeProgress(progress: Progress, left: number | null): string {
  const share = fraction(progress);
  if (share === null) return `${number(progress.done)} done`;
  return `${number(progress.done)}/${number(progress.total!)} ${Math.floor(share * 100)}%${left === null ? "" : ` ETA ${formatDuration(left)}`}`;
}

/** "sent=45 skipped=2", in the order the script first reported them. */
export function describeCounters(counters: Counters): string {
  return [...counters].map(([name, value]) => `${printable(name)}=${number(value)}`).join(" ");
}

/** A bar of `width` cells, filled by the share done; empty when there is no total. */
export function bar(progress: Progress | null, width = BAR_WIDTH): string {
  const share = progress === null ? null : fraction(progress);
  if (share === null) return "";
  const full = Math.floor(share * width);
  return `[${"█".repeat(full)}${"░".repeat(width - full)}]`;
}

/**
 * The one line a terminal redraws while the script runs: bar, progress, elapsed time and
 * counters, cut to `columns - 1` characters so it never wraps (a wrapped line cannot be redrawn).
 */
export function statusLine(o: { progress: Progress | null; eta: number | null; counters: Counters; elapsedMs: number; columns: number }): string {
  const parts = [
    o.progress === null ? null : `${bar(o.progress)} ${describeProgress(o.progress, o.eta)}`.trim(),
    o.progress === null || fraction(o.progress) === null ? formatDuration(o.elapsedMs) : null,
    o.counters.size === 0 ? null : describeCounters(o.counters),
  ].filter((part) => part !== null);
  return fit(parts.join(" · "), o.columns - 1);
}

/** The plain lines for a log or CI: one for progress, one for counters. */
export function progressText(progress: Progress, left: number | null): string {
  return `[progress] ${describeProgress(progress, left)}`;
}

export function countersText(counters: Counters): string {
  return `[counters] ${describeCounters(counters)}`;
}

/** The script's result as JSON on one line, cut with a note past MAX_RESULT_CHARS (the log has all of it). */
export function resultText(value: unknown): string {
  let json: string;
  try {
    json = JSON.stringify(value) ?? "undefined";
  } catch {
    json = String(value);
  }
  json = printable(json);
  if (json.length <= MAX_RESULT_CHARS) return `[result] ${json}`;
  return `[result] ${json.slice(0, MAX_RESULT_CHARS)}… (${json.length} characters; the run log has it all)`;
}

function fit(line: string, max: number): string {
  const chars = [...line];
  if (max < 1) return "";
  return chars.length <= max ? line : `${chars.slice(0, max - 1).join("")}…`;
}
