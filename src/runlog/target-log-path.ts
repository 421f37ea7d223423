import type { ScriptTarget } from "../run-types.js";
import { choreLogPath, earlierRunLogPaths, runLogPath, scheduleLogPath } from "./run-log-path.js";

/** A run's target as any release queued it: format 1 (release c58baed and before) has no `committedAt`. */
export type LoggedTarget = Pick<ScriptTarget, "path" | "commit" | "config" | "chore"> & { committedAt?: string | undefined };

/**
 * Where the log of `attempt` of a run goes: a chore run's under `<logsDir>/chores/`, dated by
 * when it was asked for; a merged script's dated by its merge commit. A run queued by a
 * release before dated folders (its target has no `committedAt`) keeps the flat path that
 * release gave it, so whichever release's worker records it, an attempt has one log path,
 * the one its re-run guard knows. `runId` is needed for a chore run only.
 */
export function targetLogPath(target: LoggedTarget, attempt: number, runId?: string): string {
  const { logsDir, scriptsDir } = target.config;
  if (target.chore) {
    // A chore run's log is named by its run id: a caller that has none has a bug, never a path to guess.
    if (runId === undefined) throw new TypeError(`the log path of a run of chore ${target.chore.name} needs its run id`);
    // A scheduled try's is under `<logsDir>/schedules/`, next to its schedule's digests, dated by its occurrence.
    const scheduled = target.chore.request.schedule;
    if (scheduled) return scheduleLogPath({ logsDir, chore: target.chore.name, at: new Date(scheduled.occurrenceMs).toISOString(), runId, attempt });
    return choreLogPath({ logsDir, chore: target.chore.name, runId, requestedAt: target.chore.request.requestedAt, attempt });
  }
  const at = { logsDir, scriptsDir, script: target.path, commit: target.commit, attempt };
  return target.committedAt ? runLogPath({ ...at, committedAt: target.committedAt }) : earlierRunLogPaths(at)[0]!;
}
