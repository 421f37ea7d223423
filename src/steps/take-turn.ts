import { setTimeout as sleep } from "node:timers/promises";
import { DelayedError, type Job } from "bullmq";
import type { Concurrency } from "../sdk/protocol.js";
import { concurrencyLockName, holderRunId, lockHolder, type ConcurrencyLock, type Lease } from "../stores/concurrency-lock.js";
import type { RunJobData } from "../pipeline/job-data.js";
import { liveState, readLiveState, writeLiveState } from "../pipeline/live-state.js";

/** The script may run (holding `lease`, null for `none`), or another run holds its lock. */
export type Turn = { lease: Lease | null; refusedBy: null } | { lease: null; refusedBy: string };

/**
 * Takes the concurrency lock a script asks for before it starts. When another run holds it:
 * - the merge's own run (attempt 1) waits its turn, without failing and
 *   without using an attempt: the job goes back to `delayed` for a short while (BullMQ's
 *   moveToDelayed + DelayedError), its live state saying why (`waiting`); this function then throws;
 * - a person's retry (attempt 2 or more) is refused at once (`refusedBy`), except that a lock
 *   still held by an earlier attempt of the same run (a dead worker's lease, whose job has
 *   already ended since it could be retried) is waited for, at most one lease ttl;
 * - a parked run going on by a decision (`decided`: a Resume, a signal, its approvals) waits its
 *   turn whatever its attempt: refusing it would record it and so end it, its decision spent.
 */
export async function takeTurn(o: {
  locks: ConcurrencyLock;
  job: Job<RunJobData>;
  token: string | undefined;
  mode: Concurrency;
  attempt: number;
  decided?: boolean;
}): Promise<Turn> {
  const { locks, job, mode, attempt } = o;
  const name = concurrencyLockName(mode, job.data.target);
  if (name === null) return { lease: null, refusedBy: null };
  const key = locks.key(name);
  const holder = lockHolder(job.data.runId, attempt);
  const onLost = () => {
    job.log(`the ${mode} lock expired while the script ran (Redis unreachable for longer than its ttl?)`).catch(() => undefined);
  };
  const ownLeaseDeadline = Date.now() + locks.ttlMs;
  for (let tries = 0; ; tries++) {
    const lease = await locks.lease(key, holder, { onLost });
    if (lease) {
      if (waitingReason(job) !== undefined) await writeLiveState(job, liveState(attempt));
      return { lease, refusedBy: null };
    }
    // Released between SET NX and GET: try again, a few times.
    const current = (await locks.holderOf(key)) ?? (tries < 5 ? null : "a run that just finished");
    if (current === null) continue;
    if (attempt > 1 && o.decided !== true) {
      if (holderRunId(current) === job.data.runId && Date.now() < ownLeaseDeadline) {
        await sleep(Math.min(200, locks.ttlMs / 4));
        continue;
      }
      return { lease: null, refusedBy: current };
    }
    return waitTurn(job, o.token, attempt, `${mode} lock held by ${current}`, Date.now() + Math.min(locks.ttlMs / 2, 2_000));
  }
}

/**
 * Makes the run wait without using an attempt: its live state says why (`reason`), its job
 * log says so once per reason, and the job goes back to `delayed` until `until` (ms since
 * the epoch). Always throws: BullMQ's DelayedError, which tells the worker the job was moved.
 */
export async function waitTurn(job: Job<RunJobData>, token: string | undefined, attempt: number, reason: string, until: number): Promise<never> {
  if (token === undefined) throw new Error(`cannot wait without the worker's job token (${reason})`);
  // One log line per wait, not per check: the reason names the holder.
  if (waitingReason(job) !== reason) await job.log(`waiting: ${reason}`);
  await writeLiveState(job, { ...liveState(attempt), waiting: reason });
  await job.moveToDelayed(until, token);
  throw new DelayedError(`waiting: ${reason}`);
}

/** Why the job's run waits, as its live state says; undefined when it does not. */
export function waitingReason(job: Job): string | undefined {
  return readLiveState(job.progress).waiting;
}
