import type { Job, Queue } from "bullmq";
import { readLiveState } from "./live-state.js";
import type { RunJobData } from "./job-data.js";
import { isFrozenReason, repoScope, type Freezes } from "../stores/freezes.js";

const PAGE = 500;
// Past this many delayed runs, the rest start at their next look at the freeze (FROZEN_RECHECK_MS).
const MAX_SCANNED = 10_000;

/**
 * After `repo` (null: every repository) is unfrozen, starts the runs it held at once, in the
 * order they were queued, instead of at their next look: each frozen run's execute job is
 * moved from `delayed` to the end of the waiting list (BullMQ's promote), the earliest queued
 * first, so workers take them in that order. Runs still covered by another freeze, and runs
 * waiting for a lock, stay where they are. Returns how many it started.
 *
 * A run that is being looked at meanwhile is missed or already gone: it starts at its next
 * look (FROZEN_RECHECK_MS at most). Nothing here runs a script twice: a promoted job is the
 * same job, and the execute step decides once whether it runs.
 */
export async function releaseFrozenRuns(execute: Queue, freezes: Pick<Freezes, "frozenFor">, repo: string | null): Promise<number> {
  const held: Job<RunJobData>[] = [];
  for (let start = 0; start < MAX_SCANNED; start += PAGE) {
    const page = (await execute.getDelayed(start, start + PAGE - 1)) as (Job<RunJobData> | undefined)[];
    for (const job of page) {
      if (!job?.data?.target || !isFrozenReason(readLiveState(job.progress).waiting)) continue;
      if (repo === null || repoScope(job.data.target) === repo) held.push(job);
    }
    if (page.length < PAGE) break;
  }
  held.sort((a, b) => a.timestamp - b.timestamp || (a.id ?? "").localeCompare(b.id ?? ""));
  let started = 0;
  const stillFrozen = new Map<string, boolean>();
  for (const job of held) {
    const scope = repoScope(job.data.target);
    if (!stillFrozen.has(scope)) stillFrozen.set(scope, (await freezes.frozenFor(job.data.target)) !== null);
    if (stillFrozen.get(scope)) continue;
    try {
      await job.promote();
      started++;
    } catch {
      // No longer delayed: its worker looked again meanwhile, or it was cancelled.
    }
  }
  return started;
}
