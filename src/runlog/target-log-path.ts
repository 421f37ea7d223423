import type { ScriptTarget } from "../run-types.js";
import { earlierRunLogPaths, runLogPath } from "./run-log-path.js";

/** A run's target as any release queued it: format 1 (release c58baed and before) has no `committedAt`. */
export type LoggedTarget = Pick<ScriptTarget, "path" | "commit" | "config"> & { committedAt?: string | undefined };

/**
 * Where the log of `attempt` of a run goes. A run queued by a release before dated folders
 * (its target has no `committedAt`) keeps the flat path that release gave it, so whichever
 * release's worker records it, an attempt has one log path, the one its re-run guard knows.
 */
export function targetLogPath(target: LoggedTarget, attempt: number): string {
  const { logsDir, scriptsDir } = target.config;
  const at = { logsDir, scriptsDir, script: target.path, commit: target.commit, attempt };
  return target.committedAt ? runLogPath({ ...at, committedAt: target.committedAt }) : earlierRunLogPaths(at)[0]!;
}
