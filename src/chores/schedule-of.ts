import type { CatalogEntry, RepoCatalog } from "../catalog-types.js";
import { schedulerIdOf } from "../pipeline/run-id.js";
import type { ScheduleRef } from "../schedules/schedule-types.js";
import type { ScheduleDescription } from "../sdk/protocol.js";

/** A catalog chore's schedule: the one its runnable version declares (what the schedulers run), or null (none, or no runnable version). */
export function scheduleOf(catalog: Pick<RepoCatalog, "owner" | "repo">, entry: CatalogEntry): { ref: ScheduleRef; schedule: ScheduleDescription } | null {
  // A description made before schedules has none (undefined).
  const schedule = entry.runnable?.description?.schedule ?? null;
  if (schedule === null) return null;
  const { owner, repo } = catalog;
  return { ref: { owner, repo, chore: entry.name, schedulerId: schedulerIdOf({ owner, repo, chore: entry.name }) }, schedule };
}
