import type { CatalogReader } from "../catalog-types.js";
import type { ScheduleLimits } from "../config.js";
import type { ChoreRunRequest } from "../pipeline/enqueue-chore-run.js";
import { scheduledRunId } from "../pipeline/run-id.js";
import type { ScheduleStates } from "../stores/schedule-states.js";
import type { OccurrenceRuns } from "./schedule-types.js";
import { scheduledVersion } from "./scheduled-version.js";

export interface OccurrenceRunsDeps {
  catalog: CatalogReader;
  limits: ScheduleLimits;
  /** enqueueChoreRun with its stores. */
  enqueue(request: ChoreRunRequest): Promise<{ runId: string }>;
  /** Whether the run was queued already (its process job is in Redis). */
  exists(runId: string): Promise<boolean>;
  /** Who paused the schedule, or null (ScheduleStates). Absent: never paused. */
  paused?(schedulerId: string): Promise<{ by: string } | null>;
  /** The tries queued, remembered past their jobs (ScheduleStates). Absent: only `exists` says. */
  tries?: Pick<ScheduleStates, "rememberTry" | "triedAlready">;
}

/**
 * Queues the tries of scheduled occurrences: the newest indexed version of the chore, with the
 * values its reviewed schedule gives (as the text the SDK parses, like a form's; never files or
 * secrets from elsewhere), under `scheduledRunId`. A try queued already is answered with its id
 * and nothing is stored again (its inputs, its place in the chore's history).
 */
export function occurrenceRuns(deps: OccurrenceRunsDeps): OccurrenceRuns {
  return {
    async queue(ref, { occurrenceMs, attempt }, delayMs) {
      const catalog = await deps.catalog.read(ref.owner, ref.repo);
      const version = scheduledVersion(catalog, ref.chore, deps.limits);
      if ("refused" in version) return { refused: version.refused };
      const { chore, schedule } = version;
      if (attempt < 1 || attempt > schedule.retries.attempts) return { refused: `try ${attempt} of ${schedule.retries.attempts}: no such try` };
      const runId = scheduledRunId(ref.schedulerId, occurrenceMs, attempt);
      if (await deps.exists(runId)) return { runId };
      // Its jobs may have ended and gone (retention) while the cleanup that decided on it is retried from the dashboard.
      if (await deps.tries?.triedAlready(ref.schedulerId, runId)) return { runId };
      // A pause stops the tries to come too (a retry decided by a try that ended after it), not only the occurrences.
      const paused = (await deps.paused?.(ref.schedulerId)) ?? null;
      if (paused !== null) return { refused: `the schedule is paused by ${paused.by}` };
      const queued = await deps.enqueue({
        catalog: catalog!,
        chore,
        requestedBy: "schedule",
        requestKey: runId,
        runId,
        values: Object.fromEntries(Object.entries(schedule.inputs).map(([name, value]) => [name, String(value)])),
        files: {},
        trigger: "schedule",
        schedule: { schedulerId: ref.schedulerId, occurrenceMs, attempt, schedule },
        delayMs,
      });
      await deps.tries?.rememberTry(ref.schedulerId, runId);
      return queued;
    },
  };
}
