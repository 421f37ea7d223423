import { DelayedError, type Job, type Queue } from "bullmq";
import type { Cluster, Redis } from "ioredis";
import type { Logger } from "pino";
import type { CatalogReader } from "../catalog-types.js";
import type { ScheduleLimits } from "../config.js";
import { scheduledRunId } from "../pipeline/run-id.js";
import type { ScheduleDescription } from "../sdk/protocol.js";
import type { ParkedRuns } from "../stores/parked-runs.js";
import type { ScheduleStates } from "../stores/schedule-states.js";
import { nextOccurrences } from "./next-occurrences.js";
import { turnHolder } from "./occurrence-turn.js";
import type { DigestRecorder, OccurrenceRuns, ScheduleRef, ScheduleTriggerData } from "./schedule-types.js";
import { scheduledVersion } from "./scheduled-version.js";
import { refOf } from "./schedules.js";
import { skippedRow } from "./skipped-row.js";

// How late an occurrence may start and still count as on time for `catchUp: "none"`: half its
// interval, at least a few seconds (a busy worker's delay is not an outage), at most five minutes.
const MIN_GRACE_MS = 5_000;
const MAX_GRACE_MS = 5 * 60_000;
// How long a turn taken by a trigger that has not queued its run yet is not stale: queueing
// takes milliseconds; a trigger killed meanwhile is tried again once found stalled (about 30 s).
const QUEUEING_MS = 5 * 60_000;
// A cron schedule's interval when the next occurrence cannot be computed.
const FALLBACK_INTERVAL_MS = 60_000;

export interface TriggerDeps {
  states: ScheduleStates;
  catalog: CatalogReader;
  limits: ScheduleLimits;
  digest: DigestRecorder;
  runs: OccurrenceRuns;
  /** Where the runs' jobs are: whether the occurrence holding the turn still runs. */
  queues: Record<"process" | "execute" | "cleanup", Queue>;
  /** Whether it waits for a person (parked interrupted): it still holds the turn. */
  parked: Pick<ParkedRuns, "read">;
  /** For the one occurrence per schedule that may wait for its turn (`overlap: "queue"`). */
  redis: Redis | Cluster;
  prefix: string;
  log: Logger;
  /** How often a waiting occurrence looks whether the turn is free (default 1 s). */
  pollMs?: number;
}

/** What a trigger did: queued its occurrence's run, recorded it skipped, or dropped it (nothing to record). */
export type TriggerResult = { occurrenceMs: number; runId: string } | { occurrenceMs: number; skipped: string } | { dropped: string };

/**
 * The `schedule` queue's worker for trigger jobs: one job per occurrence, made by the chore's
 * job scheduler. The occurrence is the scheduler's (the job id `repeat:<scheduler>:<ms>`),
 * never this worker's clock, and it goes on at most once, in order: an older occurrence arriving
 * after a newer one is dropped (claimOccurrence). Then, with the newest indexed version and its
 * schedule: paused or no longer scheduled → dropped; `catchUp: "none"` and late past the grace
 * (no worker ran at the time) → skipped; the previous occurrence's run still going → skipped
 * (`overlap: "skip"`) or waits for its turn (`queue`, one waiting occurrence per schedule);
 * else the occurrence's first run is queued, under an id derived from the occurrence.
 */
export function triggerStep(deps: TriggerDeps) {
  const pollMs = deps.pollMs ?? 1_000;
  // A waiting occurrence renews its mark at every look; a mark left by a dead worker lapses.
  const markMs = Math.max(60_000, 10 * pollMs);
  return async (job: Job<ScheduleTriggerData>, token?: string): Promise<TriggerResult> => {
    const ref = refOf(job.data.owner, job.data.repo, job.data.chore);
    const id = ref.schedulerId;
    const occurrenceMs = occurrenceOf(job, id);
    if (occurrenceMs === null) return dropped(ref, null, "not a trigger made by this chore's job scheduler");
    const runId = scheduledRunId(id, occurrenceMs, 1);
    // Delivered again once its run was queued (a failed trigger retried from the dashboard, a
    // stalled one tried again): answered with that run. Its jobs may have ended and gone since,
    // so queueing it again (idempotent only while they are in Redis) would run the occurrence twice.
    if (await deps.states.wasQueued(id, occurrenceMs)) return { occurrenceMs, runId };
    const waitKey = `${deps.prefix}:schedule-waiting:${id}`;
    // Coming back from waiting for the turn: claimed and judged on time already.
    const waited = (await deps.redis.get(waitKey)) === String(occurrenceMs);
    if (!waited && !(await deps.states.claimOccurrence(id, occurrenceMs))) {
      return dropped(ref, occurrenceMs, "a later occurrence of the schedule went on already");
    }
    const stopWaiting = async () => {
      if (waited) await deps.redis.del(waitKey);
    };
    if ((await deps.states.read(id)).paused !== null) {
      await stopWaiting();
      return dropped(ref, occurrenceMs, "the schedule is paused");
    }
    const version = scheduledVersion(await deps.catalog.read(ref.owner, ref.repo), ref.chore, deps.limits);
    if ("refused" in version) {
      await stopWaiting();
      return dropped(ref, occurrenceMs, version.refused);
    }
    const { schedule } = version;
    // Late by Redis's clock, the one all workers share, not this worker's (it may run ahead).
    if (!waited && schedule.catchUp === "none" && (await redisNow(deps.redis)) - occurrenceMs > catchUpGraceMs(schedule, occurrenceMs)) {
      return skipped(ref, occurrenceMs, "missed while no worker ran (catchUp: none)");
    }
    let holder = await deps.states.takeTurn(id, runId);
    if (holder !== runId) {
      const held = await turnHolder(deps.queues, deps.parked, holder);
      const holderMs = held.occurrenceMs ?? occurrenceOfRun(id, holder);
      // A holder with no run yet may be a trigger between taking the turn and queueing its run.
      const queueing = holderMs !== null && (await deps.states.turnQueueing(id, holder, holderMs, QUEUEING_MS));
      if (!held.live && !queueing) {
        deps.log.warn({ ...ref, holder }, "the schedule's turn was held by an occurrence whose runs all ended: taken over");
        await deps.states.releaseTurn(id, holder);
        holder = await deps.states.takeTurn(id, runId);
      }
      if (holder !== runId) {
        const of = held.occurrenceMs === null ? holder : new Date(held.occurrenceMs).toISOString();
        const still = held.interrupted ? `the run of ${of} was interrupted and waits for a person's Resume or Roll back` : `the run of ${of} still goes`;
        if (schedule.overlap === "skip") return skipped(ref, occurrenceMs, still);
        // `queue`: one occurrence waits for the turn; any other meanwhile is skipped, so nothing piles up.
        const mine = waited
          ? await deps.redis.set(waitKey, String(occurrenceMs), "PX", markMs, "XX")
          : await deps.redis.set(waitKey, String(occurrenceMs), "PX", markMs, "NX");
        if (mine === null) return skipped(ref, occurrenceMs, `${still}, and one occurrence already waits`);
        if (!waited) deps.log.info({ ...ref, occurrence: new Date(occurrenceMs).toISOString() }, `${still}: this occurrence waits for its turn`);
        await job.moveToDelayed(Date.now() + pollMs, token);
        throw new DelayedError();
      }
    }
    await stopWaiting();
    const queued = await deps.runs.queue(ref, { occurrenceMs, attempt: 1 }, 0);
    if ("refused" in queued) {
      await deps.states.releaseTurn(id, runId);
      return dropped(ref, occurrenceMs, queued.refused);
    }
    await deps.states.markQueued(id, occurrenceMs);
    deps.log.info({ ...ref, occurrence: new Date(occurrenceMs).toISOString(), runId: queued.runId }, "scheduled occurrence queued");
    return { occurrenceMs, runId: queued.runId };
  };

  function dropped(ref: ScheduleRef, occurrenceMs: number | null, reason: string): TriggerResult {
    deps.log.info({ ...ref, occurrence: occurrenceMs === null ? null : new Date(occurrenceMs).toISOString(), reason }, "scheduled occurrence dropped");
    return { dropped: reason };
  }

  async function skipped(ref: ScheduleRef, occurrenceMs: number, note: string): Promise<TriggerResult> {
    const occurrence = new Date(occurrenceMs).toISOString();
    deps.log.info({ ...ref, occurrence, note }, "scheduled occurrence skipped");
    await deps.digest.add(ref, skippedRow(occurrence, note));
    // Counted under the run id it would have had: a trigger delivered again counts once.
    await deps.states.countEnd(scheduledRunId(ref.schedulerId, occurrenceMs, 1), "skipped");
    return { occurrenceMs, skipped: note };
  }
}

/**
 * The occurrence a trigger job stands for, as its job scheduler named it (`repeat:<id>:<ms>`,
 * BullMQ's id for the job of the iteration at `ms`); null for a job no scheduler of this chore made.
 */
export function occurrenceOf(job: Pick<Job, "id" | "repeatJobKey">, schedulerId: string): number | null {
  const prefix = `repeat:${schedulerId}:`;
  if (job.repeatJobKey !== schedulerId || job.id === undefined || !job.id.startsWith(prefix)) return null;
  const ms = job.id.slice(prefix.length);
  return /^\d{1,15}$/.test(ms) ? Number(ms) : null;
}

async function redisNow(redis: Redis | Cluster): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** The occurrence of a schedule's first run id (`<scheduler>-<ms>`), or null. */
function occurrenceOfRun(schedulerId: string, runId: string): number | null {
  const ms = runId.startsWith(`${schedulerId}-`) ? runId.slice(schedulerId.length + 1) : "";
  return /^\d{1,15}$/.test(ms) ? Number(ms) : null;
}

/** How late an occurrence may start and not count as missed: half the schedule's interval, within bounds. */
export function catchUpGraceMs(schedule: Pick<ScheduleDescription, "cron" | "everyMs" | "timezone">, occurrenceMs: number): number {
  const next = schedule.everyMs === null ? nextOccurrences(schedule, occurrenceMs, 1)[0] : undefined;
  const interval = schedule.everyMs ?? (next === undefined ? FALLBACK_INTERVAL_MS : next - occurrenceMs);
  return Math.min(MAX_GRACE_MS, Math.max(MIN_GRACE_MS, interval / 2));
}
