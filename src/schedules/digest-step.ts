import type { Job, Queue } from "bullmq";
import type { CatalogReader, RepoCatalog } from "../catalog-types.js";
import type { RunLogCommit, RunLogResult } from "../github/commit-run-log.js";
import type { GitHubClient } from "../github/octokit.js";
import { withFormat } from "../pipeline/job-format.js";
import { scheduleDigestPath } from "../runlog/run-log-path.js";
import type { ScheduleDigests } from "../stores/schedule-digests.js";
import { renderDigest } from "./render-digest.js";

/** The `schedule` queue's job scheduler that flushes the digests, and its jobs' name. */
export const DIGEST_SCHEDULER_ID = "schedule-digests";
export const DIGEST_JOB_NAME = "digest";
/** How often the digests of days that are over are committed. */
export const DIGEST_FLUSH_EVERY_MS = 60 * 60 * 1000;
// (schedule, day) pairs one flush commits at most; the next flush takes the rest.
const FLUSH_LIMIT = 200;

/** Where a repository's logs go, as its catalog (or a run's target) says. */
export interface RepoPlace {
  installationId: number;
  defaultBranch: string;
  config: Pick<RepoCatalog["config"], "logsDir" | "cleanup">;
}

export interface DigestCommitDeps {
  digests: Pick<ScheduleDigests, "read" | "committed" | "startWriting">;
  octokitFor(installationId: number): Promise<GitHubClient>;
  /** The workers' RunLogBatcher (or commitRunLog): a digest is committed like a chore's run log. */
  commitLog(octokit: GitHubClient, change: RunLogCommit): Promise<RunLogResult>;
}

/**
 * Commits one schedule's day as it stands (every row kept, so a day committed early and again
 * later holds them all) to `<logsDir>/schedules/<chore>/<yyyy>/<mm>/<dd>.md`, then marks that
 * version committed: the same content again is no commit (commitRunLog compares first), and
 * rows added meanwhile keep the day pending for the next flush. Null when nothing is kept of the
 * day, or another commit of it is under way (the day stays pending).
 */
export async function commitDigest(deps: DigestCommitDeps, at: { schedulerId: string; day: string }, place: RepoPlace): Promise<RunLogResult | null> {
  const done = await deps.digests.startWriting(at.schedulerId, at.day);
  if (done === null) return null;
  try {
    const digest = await digestChange(deps, at, place);
    if (digest === null) return null;
    const landed = await deps.commitLog(await deps.octokitFor(place.installationId), digest.change);
    await deps.digests.committed(at.schedulerId, at.day, digest.version);
    return landed;
  } finally {
    await done();
  }
}

/**
 * The commit of one schedule's day as it stands, and the version it covers (to pass to
 * `committed` once it landed); null when nothing is kept of the day. For a caller that commits
 * it together with another log (a streak's first failure), holding `startWriting` meanwhile.
 */
export async function digestChange(
  deps: { digests: Pick<ScheduleDigests, "read"> },
  at: { schedulerId: string; day: string },
  place: RepoPlace,
): Promise<{ change: RunLogCommit; version: number } | null> {
  const stored = await deps.digests.read(at.schedulerId, at.day);
  if (stored === null) return null;
  const path = scheduleDigestPath({ logsDir: place.config.logsDir, chore: stored.ref.chore, at: `${at.day}T00:00:00Z` });
  const log = renderDigest({ ...stored, path });
  const change: RunLogCommit = {
    owner: stored.ref.owner,
    repo: stored.ref.repo,
    branch: place.defaultBranch,
    logPath: path,
    log,
    scriptPath: path,
    keepScript: true,
    mode: place.config.cleanup,
    branchName: `chorebot/digest-${at.schedulerId}-${at.day}`,
    runId: `${at.schedulerId}-${at.day}`,
    title: `digest of chore ${stored.ref.chore}'s schedule on ${at.day} (${stored.rows.length} ${stored.rows.length === 1 ? "entry" : "entries"})`,
  };
  return { change, version: stored.version };
}

export interface DigestStepDeps extends DigestCommitDeps {
  digests: Pick<ScheduleDigests, "read" | "committed" | "startWriting" | "pending" | "drop" | "postpone">;
  catalog: Pick<CatalogReader, "read">;
  /** The clock: a day is flushed once it is over by it (tests move it). */
  now(): number;
}

/**
 * The hourly flush: commits the digest of every (schedule, day) whose UTC day is over and has
 * rows not committed yet, at most FLUSH_LIMIT a run, longest due first. A repository no longer in the catalog
 * (chorebot uninstalled, or it was removed) has its digests dropped, uncommitted. One failing
 * repository does not hold up the others: its days stay pending, behind the others from then
 * on, and the job fails after the rest are done, so BullMQ shows it.
 */
export function digestStep(deps: DigestStepDeps) {
  return async (job?: Pick<Job, "log">): Promise<{ committed: number; dropped: number; failed: number }> => {
    const due = await deps.digests.pending(deps.now(), FLUSH_LIMIT);
    const counts = { committed: 0, dropped: 0, failed: 0 };
    const errors: unknown[] = [];
    const catalogs = new Map<string, Promise<RepoCatalog | null>>();
    for (const at of due) {
      const stored = await deps.digests.read(at.schedulerId, at.day);
      if (stored === null) {
        // Its rows expired before a flush could commit them (GitHub failing for days): nothing left to do.
        await deps.digests.drop(at.schedulerId, at.day);
        continue;
      }
      const { owner, repo } = stored.ref;
      const key = `${owner}/${repo}`.toLowerCase();
      if (!catalogs.has(key)) catalogs.set(key, deps.catalog.read(owner, repo));
      const catalog = await catalogs.get(key)!;
      if (catalog === null) {
        await deps.digests.drop(at.schedulerId, at.day);
        counts.dropped++;
        continue;
      }
      try {
        if ((await commitDigest(deps, at, catalog)) !== null) counts.committed++;
      } catch (error) {
        counts.failed++;
        errors.push(error);
        await deps.digests.postpone(at.schedulerId, at.day, deps.now());
      }
    }
    await job?.log(`digests: ${counts.committed} committed, ${counts.dropped} dropped (repository gone), ${counts.failed} failed`);
    if (errors.length > 0) throw new AggregateError(errors, `${errors.length} digest(s) could not be committed; they stay pending for the next flush`);
    return counts;
  };
}

/** Whether a job of the `schedule` queue is the digest flush (and not a chore's trigger, whatever the chore is named). */
export function isDigestJob(job: Pick<Job, "name" | "repeatJobKey">): boolean {
  return job.name === DIGEST_JOB_NAME && job.repeatJobKey === DIGEST_SCHEDULER_ID;
}

/** Starts (or keeps) the hourly flush on the `schedule` queue: one job scheduler, whichever worker adds it. */
export async function scheduleDigestFlush(queue: Pick<Queue, "upsertJobScheduler">): Promise<void> {
  await queue.upsertJobScheduler(
    DIGEST_SCHEDULER_ID,
    { every: DIGEST_FLUSH_EVERY_MS },
    {
      name: DIGEST_JOB_NAME,
      data: withFormat({}),
      opts: { attempts: 3, backoff: { type: "exponential", delay: 60_000 }, removeOnComplete: 24, removeOnFail: 24 },
    },
  );
}
