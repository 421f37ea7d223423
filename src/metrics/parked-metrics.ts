import type { ParkedRuns } from "../stores/parked-runs.js";

/** The most parked runs a scrape reads (the oldest): past that, the gauge says at least this many. */
export const MAX_PARKED_READ = 1000;

/** How many runs are parked, by kind: `waiting` (a signal or approvals), `interrupted` (a person must Resume or Roll back) and `paused` (an iteration a person paused). */
export async function countParkedRuns(parked: Pick<ParkedRuns, "list" | "read">): Promise<{ waiting: number; interrupted: number; paused: number }> {
  const ids = await parked.list(MAX_PARKED_READ);
  const records = await Promise.all(ids.map((id) => parked.read(id)));
  const counts = { waiting: 0, interrupted: 0, paused: 0 };
  for (const record of records) if (record) counts[record.kind]++;
  return counts;
}
