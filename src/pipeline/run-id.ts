import { createHash } from "node:crypto";
import type { ScriptTarget } from "../run-types.js";

/**
 * The deterministic id of the run of one script at one merge commit, used as the BullMQ job
 * id in all three queues: a redelivered webhook maps to the same jobs and adds nothing.
 * Readable in the dashboard (repo, short sha, script name), unique through a hash of the
 * full identity, and free of `:` (BullMQ rejects it in custom ids) and `/` (URLs).
 */
export function runIdFor(target: Pick<ScriptTarget, "owner" | "repo" | "commit" | "path">): string {
  const identity = `${target.owner}/${target.repo}@${target.commit}:${target.path}`;
  const hash = createHash("sha256").update(identity).digest("hex").slice(0, 10);
  const name = target.path
    .replace(/^.*\//, "")
    .replace(/\.[^.]+$/, "")
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .slice(0, 60);
  return `${target.repo.replace(/[^A-Za-z0-9._-]+/g, "-")}-${target.commit.slice(0, 7)}-${name}-${hash}`;
}

/** The cleanup job that records attempt `attempt` ≥ 2 of a run (a person's retry); attempt 1's is the run id. */
export function retryCleanupId(runId: string, attempt: number): string {
  return `${runId}-attempt-${attempt}`;
}
