import { createHash } from "node:crypto";
import type { ScriptTarget } from "../run-types.js";

// Every BullMQ job id chorebot uses is made here. They are deterministic, so a redelivered
// webhook maps to the jobs it already queued and adds nothing, and they never change from
// one release to the next: jobs already in Redis keep theirs. No `:` (BullMQ rejects it in
// custom ids) and no `/` (URLs).

/**
 * The id of the run of one script at one merge commit. Readable in the dashboard (repo,
 * short sha, script name), unique through a hash of the full identity.
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

/** The discover job of a push: the repository and the pushed commit. */
export function discoverJobId(push: { owner: string; repo: string; after: string }): string {
  return `${push.owner}.${push.repo}-${push.after}`;
}

/** The run's process job. */
export function processJobId(runId: string): string {
  return runId;
}

/** The run's execute job: one job for every attempt (a person's retry reruns it). */
export function executeJobId(runId: string): string {
  return runId;
}

/**
 * The cleanup job that records attempt `attempt` of the run: attempt 1's is the merge's own
 * flow parent, with the run id; a person's retry (attempt 2 or more) gets `<run>-attempt-N`.
 */
export function cleanupJobId(runId: string, attempt: number): string {
  return attempt > 1 ? `${runId}-attempt-${attempt}` : runId;
}

/**
 * The id of a chore run a person asked for: readable in the dashboard (repo, `chore`, the
 * chore's name), unique through a hash of the repository, the chore and the request's key,
 * so the same form submitted twice names one run (BullMQ then adds no second flow). Its
 * hash has 12 hex digits, a merged script's 10: the two kinds of id never meet.
 */
export function choreRunId(o: { owner: string; repo: string; name: string; requestKey: string }): string {
  const hash = createHash("sha256")
    .update(JSON.stringify(["chore", o.owner, o.repo, o.name, o.requestKey]))
    .digest("hex")
    .slice(0, 12);
  return `${safe(o.repo)}-chore-${safe(o.name).slice(0, 60)}-${hash}`;
}

/**
 * The id of a chore's job scheduler: readable (`sched-<owner>.<repo>-<chore>`), unique through
 * a 64-bit hash of the repository and the chore's name (names past 60 characters are cut,
 * and an author must not be able to find a second name with the same id). Stable from
 * release to release: the schedulers in Redis keep theirs.
 */
export function schedulerIdOf(o: { owner: string; repo: string; chore: string }): string {
  const hash = createHash("sha256")
    .update(JSON.stringify(["schedule", o.owner, o.repo, o.chore]))
    .digest("hex")
    .slice(0, 16);
  return `sched-${safe(o.owner).slice(0, 39)}.${safe(o.repo).slice(0, 60)}-${safe(o.chore).slice(0, 60)}-${hash}`;
}

/**
 * The run of one try of one occurrence: `<scheduler>-<occurrence ms>`, and `-try-<n>` for the
 * retries, so an occurrence is one run however often its trigger is delivered.
 */
export function scheduledRunId(schedulerId: string, occurrenceMs: number, attempt: number): string {
  return `${schedulerId}-${occurrenceMs}${attempt > 1 ? `-try-${attempt}` : ""}`;
}

/** Letters, digits, `.`, `_` and `-`; a run of anything else (`/` and `:` included) is one `-`. */
function safe(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, "-");
}
