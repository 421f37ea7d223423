import type { IterationLive } from "../pipeline/live-state.js";

/** The parts of an iteration's progress its one-line summary says. */
export type IterationProgressWords = Pick<IterationLive, "done" | "total" | "inFlight" | "etaMs">;

/**
 * An iteration's progress in a line, the same on the dashboard and the pages:
 * "412/1,000 items, batch 9 in flight, ETA 14 s", "412 items, batch 9 in flight" (no total).
 * Only numbers: nothing in it is text a script chose.
 */
export function iterationProgressLine(it: IterationProgressWords): string {
  const parts = [it.total === null ? `${count(it.done)} ${it.done === 1 ? "item" : "items"}` : `${count(it.done)}/${count(it.total)} items`];
  if (it.inFlight !== null) parts.push(`batch ${count(it.inFlight.seq)} in flight`);
  if (it.etaMs !== null && it.total !== null && it.done < it.total) parts.push(`ETA ${etaWords(it.etaMs)}`);
  return parts.join(", ");
}

/** A time left, rounded as a person reads it: "14 s", "3 min", "2 h 5 min". */
export function etaWords(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}

/** A rate as a person reads it: "41 items/s", "0.5 items/s". */
export function rateWords(rate: number): string {
  return `${rate >= 10 ? count(Math.round(rate)) : String(Number(rate.toFixed(2)))} items/s`;
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}
