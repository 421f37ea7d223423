import type { CatalogReader } from "../catalog-types.js";
import { scheduleOf } from "../chores/schedule-of.js";
import type { OccurrenceStatus, ScheduleControl } from "../schedules/schedule-types.js";
import type { ScheduleStates } from "../stores/schedule-states.js";

/** Where the schedule metrics are read from: the catalogs (which chores have a schedule), their states and next occurrences. */
export interface ScheduleMetricsSource {
  catalog: Pick<CatalogReader, "repositories" | "read">;
  states: Pick<ScheduleStates, "read" | "runCounts">;
  control: Pick<ScheduleControl, "next">;
}

/** One scheduled chore's times (seconds since the epoch): its last success (null: none yet), its next occurrence (null: none, paused or not set up). */
export interface ScheduleSample {
  repository: string;
  chore: string;
  lastSuccess: number | null;
  next: number | null;
}

/**
 * The schedule metrics as Redis has them now: one sample per chore whose runnable version has a
 * schedule, in the catalogs of the repositories chorebot is installed on (so the label sets are
 * as many as the scheduled chores, and a removed chore or repository leaves them), and how many
 * occurrences and tries ended with each status.
 */
export async function readScheduleMetrics(
  source: ScheduleMetricsSource,
): Promise<{ schedules: ScheduleSample[]; runs: Partial<Record<OccurrenceStatus, number>> }> {
  const names = await source.catalog.repositories();
  const [catalogs, runs] = await Promise.all([Promise.all(names.map(({ owner, repo }) => source.catalog.read(owner, repo))), source.states.runCounts()]);
  const scheduled = catalogs.flatMap((catalog) => (catalog === null ? [] : catalog.chores.flatMap((entry) => scheduleOf(catalog, entry) ?? [])));
  const schedules = await Promise.all(
    scheduled.map(async ({ ref }) => {
      const [state, next] = await Promise.all([source.states.read(ref.schedulerId), source.control.next(ref)]);
      const lastSuccess = state.lastSuccessAt === null ? null : Date.parse(state.lastSuccessAt);
      return {
        repository: `${ref.owner}/${ref.repo}`,
        chore: ref.chore,
        lastSuccess: lastSuccess === null || Number.isNaN(lastSuccess) ? null : lastSuccess / 1000,
        next: next === null ? null : next / 1000,
      };
    }),
  );
  return { schedules, runs };
}
