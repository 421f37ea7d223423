import type { DigestRow } from "./schedule-types.js";

/** A digest row for an occurrence that ran nothing (skipped, or a schedule refused), saying why. */
export function skippedRow(occurrence: string, note: string): DigestRow {
  return { occurrence, runId: null, attempt: 0, status: "skipped", startedAt: null, durationMs: null, counters: {}, result: null, note, logPath: null };
}
