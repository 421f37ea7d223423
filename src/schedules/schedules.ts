import type { JobSchedulerJson, JobSchedulerTemplateOptions, Queue } from "bullmq";
import type { Cluster, Redis } from "ioredis";
import type { Logger } from "pino";
import type { CatalogReader, RepoCatalog } from "../catalog-types.js";
import type { ScheduleLimits } from "../config.js";
import { withFormat } from "../pipeline/job-format.js";
import { schedulerIdOf } from "../pipeline/run-id.js";
import type { ScheduleStates } from "../stores/schedule-states.js";
import type { DigestRecorder, ScheduleControl, ScheduleRef, ScheduleTriggerData } from "./schedule-types.js";
import { repeatOf, scheduledVersion } from "./scheduled-version.js";
import { skippedRow } from "./skipped-row.js";

/**
 * What a trigger job leaves in Redis once done: it only queues a run (which has its own
 * records), so a day of them at most, and never more than a few hundred per queue. A trigger
 * fails only when Redis or the catalog erred; it is tried again shortly (what it queues is idempotent).
 */
export const TRIGGER_OPTIONS: JobSchedulerTemplateOptions = {
  attempts: 3,
  backoff: { type: "exponential", delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 500 },
  removeOnFail: { age: 7 * 24 * 3600, count: 500 },
};

// A refusal is reported once per head commit: the head last reported, per scheduler.
const REPORT_ONCE = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`;

export interface SchedulesDeps {
  /** The `schedule` queue: the job schedulers and their trigger jobs live there. */
  queue: Queue;
  redis: Redis | Cluster;
  prefix: string;
  states: ScheduleStates;
  catalog: CatalogReader;
  limits: ScheduleLimits;
  /** Where a schedule that is not scheduled (its chore's problem, an invalid schedule) says why. */
  digest: DigestRecorder;
  log: Logger;
}

/** What one reconcile did, by scheduler id. */
export interface ReconcileSummary {
  added: string[];
  updated: string[];
  unchanged: string[];
  removed: string[];
  /** Not scheduled for a reason (a problem at the head, an invalid schedule): the reason is in the digest. */
  refused: string[];
  /** Paused by a person: kept without a scheduler until resumed. */
  paused: string[];
}

/**
 * The chores' BullMQ job schedulers, one per scheduled chore: kept matching the catalog
 * (`reconcile`, after each index), paused and resumed by people, removed with their repository.
 *
 * Besides BullMQ's own keys, one hash per repository (`<prefix>:schedules:<owner>/<repo>`, in lowercase,
 * scheduler id → chore) names every schedule that has a scheduler or a state, so that a state
 * kept without a scheduler (paused, or refused for now) is forgotten with its chore; and one
 * (`<prefix>:schedule-refusals:<owner>/<repo>`) the head each refusal was reported at. Both
 * hold one field per scheduled chore.
 */
export class Schedules implements ScheduleControl {
  constructor(private readonly deps: SchedulesDeps) {}

  /** Makes the repository's schedulers match its catalog (the newest stored one, whichever pass calls). */
  async reconcile(given: RepoCatalog): Promise<ReconcileSummary> {
    const { owner, repo } = given;
    // A slow pass over an older head must not bring back what a newer one removed.
    const catalog = (await this.deps.catalog.read(owner, repo)) ?? given;
    const found = await this.schedulersOf(owner, repo);
    const known = await this.deps.redis.hgetall(this.indexKey(owner, repo));
    const summary: ReconcileSummary = { added: [], updated: [], unchanged: [], removed: [], refused: [], paused: [] };
    const kept = new Set<string>();
    for (const entry of catalog.chores) {
      const ref = refOf(owner, repo, entry.name);
      const id = ref.schedulerId;
      const version = scheduledVersion(catalog, entry.name, this.deps.limits);
      const had = found.has(id) || Object.hasOwn(known, id);
      if ("chore" in version) {
        kept.add(id);
        summary[await this.sync(ref, found.get(id) ?? null, version.schedule)].push(id);
        continue;
      }
      // The chore is still there and its schedule may come back: its state (a pause) stays.
      if (entry.problem === null && !version.declared) continue;
      if (!had && !version.declared) continue;
      kept.add(id);
      await this.index(ref);
      if (found.has(id)) await this.unschedule(id);
      summary.refused.push(id);
      await this.reportOnce(ref, catalog.head, version.refused);
    }
    for (const id of new Set([...found.keys(), ...Object.keys(known)])) {
      if (kept.has(id)) continue;
      await this.remove(owner, repo, id);
      summary.removed.push(id);
    }
    if (summary.added.length + summary.updated.length + summary.removed.length + summary.refused.length > 0) {
      this.deps.log.info({ repository: `${owner}/${repo}`, head: catalog.head, ...summary }, "schedules reconciled with the catalog");
    }
    return summary;
  }

  async pause(ref: ScheduleRef, by: string): Promise<boolean> {
    // Only a chore of the catalog: a name made up by a client leaves nothing in Redis.
    if (!(await this.isScheduled(ref))) return false;
    await this.index(ref);
    const paused = await this.deps.states.pause(ref.schedulerId, by, new Date().toISOString());
    // Removed even when it was paused already: a reconcile racing the first pause may have upserted it.
    await this.unschedule(ref.schedulerId);
    this.deps.log.info({ ...ref, by }, paused ? "schedule paused" : "schedule already paused");
    // A resume that came in meanwhile set its scheduler up before this removed it: it wins, as it would have coming after.
    if ((await this.deps.states.read(ref.schedulerId)).paused === null) await this.reschedule(ref, by);
    return paused;
  }

  async resume(ref: ScheduleRef, by: string): Promise<boolean> {
    const resumed = await this.deps.states.resume(ref.schedulerId);
    if (!resumed) return false;
    await this.reschedule(ref, by);
    return true;
  }

  /** Sets a schedule that is not paused up again from its next occurrence on, if its chore still has a valid one. */
  private async reschedule(ref: ScheduleRef, by: string): Promise<void> {
    const catalog = await this.deps.catalog.read(ref.owner, ref.repo);
    const version = scheduledVersion(catalog, ref.chore, this.deps.limits);
    if ("chore" in version) {
      // From the next occurrence on: an interval starts over from now, none missed while paused is run.
      await this.sync(ref, await this.schedulerOf(ref), version.schedule, { resumed: true });
      this.deps.log.info({ ...ref, by }, "schedule resumed");
    } else {
      this.deps.log.info({ ...ref, by, reason: version.refused }, "schedule resumed, but not scheduled");
    }
  }

  async next(ref: ScheduleRef): Promise<number | null> {
    return (await this.schedulerOf(ref))?.next ?? null;
  }

  /** Every scheduler of the repository and everything kept about its schedules (chorebot no longer reaches it). */
  async removeRepository(owner: string, repo: string): Promise<void> {
    const found = await this.schedulersOf(owner, repo);
    const known = await this.deps.redis.hkeys(this.indexKey(owner, repo));
    for (const id of new Set([...found.keys(), ...known])) await this.remove(owner, repo, id);
    await this.deps.redis.del(this.indexKey(owner, repo), this.refusalsKey(owner, repo));
    if (found.size + known.length > 0) this.deps.log.info({ repository: `${owner}/${repo}`, schedules: found.size }, "the repository's schedules are removed");
  }

  /** Upserts the scheduler unless it is as wanted already (an upsert moves a due occurrence) or the schedule is paused. */
  private async sync(
    ref: ScheduleRef,
    found: JobSchedulerJson<ScheduleTriggerData> | null,
    schedule: Parameters<typeof repeatOf>[0],
    options: { resumed?: boolean } = {},
  ): Promise<"added" | "updated" | "unchanged" | "paused"> {
    await this.index(ref);
    const id = ref.schedulerId;
    if ((await this.deps.states.read(id)).paused !== null) {
      if (found) await this.unschedule(id);
      return "paused";
    }
    const repeat = repeatOf(schedule);
    const data = triggerData(ref);
    if (found && sameScheduler(found, ref.chore, repeat, data)) return "unchanged";
    // BullMQ runs a new interval at once; a resumed one waits its first interval instead.
    const start = options.resumed && "every" in repeat ? { startDate: Date.now() + repeat.every } : {};
    await this.deps.queue.upsertJobScheduler(id, { ...repeat, ...start }, { name: ref.chore, data, opts: TRIGGER_OPTIONS });
    // A pause that came in meanwhile wins: it removed the scheduler before this upsert put it back.
    if ((await this.deps.states.read(id)).paused !== null) {
      await this.unschedule(id);
      return "paused";
    }
    return found ? "updated" : "added";
  }

  /**
   * Removes the scheduler and its next trigger. BullMQ removes that trigger only while it is
   * delayed; one already due (an interval's first, added at once) would still fire, so it goes too.
   */
  private async unschedule(id: string): Promise<void> {
    const next = (await this.deps.queue.getJobScheduler(id))?.next;
    await this.deps.queue.removeJobScheduler(id);
    if (next !== undefined && next !== null) await this.deps.queue.remove(`repeat:${id}:${next}`);
  }

  private async remove(owner: string, repo: string, id: string): Promise<void> {
    await this.unschedule(id);
    await this.deps.states.forget(id);
    await this.deps.redis.hdel(this.indexKey(owner, repo), id);
    await this.deps.redis.hdel(this.refusalsKey(owner, repo), id);
  }

  private async reportOnce(ref: ScheduleRef, head: string, reason: string): Promise<void> {
    if ((await this.deps.redis.eval(REPORT_ONCE, 1, this.refusalsKey(ref.owner, ref.repo), ref.schedulerId, head)) !== 1) return;
    this.deps.log.warn({ ...ref, head, reason }, "a chore's schedule is not scheduled");
    await this.deps.digest.add(ref, skippedRow(new Date().toISOString(), `not scheduled at ${head.slice(0, 7)}: ${reason}`));
  }

  private async isScheduled(ref: ScheduleRef): Promise<boolean> {
    if (ref.schedulerId !== schedulerIdOf(ref)) return false;
    const version = scheduledVersion(await this.deps.catalog.read(ref.owner, ref.repo), ref.chore, this.deps.limits);
    return "chore" in version || version.declared;
  }

  private async index(ref: ScheduleRef): Promise<void> {
    await this.deps.redis.hset(this.indexKey(ref.owner, ref.repo), ref.schedulerId, ref.chore);
  }

  private async schedulerOf(ref: ScheduleRef): Promise<JobSchedulerJson<ScheduleTriggerData> | null> {
    return ((await this.deps.queue.getJobScheduler(ref.schedulerId)) as JobSchedulerJson<ScheduleTriggerData> | undefined) ?? null;
  }

  /**
   * The repository's schedulers, by id: those whose trigger data names it (and whose id is that
   * chore's), however its name was spelled when they were made: GitHub's names are
   * case-insensitive, and so is the catalog their triggers read.
   */
  private async schedulersOf(owner: string, repo: string): Promise<Map<string, JobSchedulerJson<ScheduleTriggerData>>> {
    const all = (await this.deps.queue.getJobSchedulers(0, -1)) as JobSchedulerJson<ScheduleTriggerData>[];
    const repository = repositoryKey(owner, repo);
    return new Map(
      all.flatMap((scheduler) => {
        const data = scheduler.template?.data;
        if (typeof data?.owner !== "string" || typeof data.repo !== "string" || typeof data.chore !== "string") return [];
        if (repositoryKey(data.owner, data.repo) !== repository) return [];
        return scheduler.key === schedulerIdOf(data) ? [[scheduler.key, scheduler]] : [];
      }),
    );
  }

  private indexKey(owner: string, repo: string): string {
    return `${this.deps.prefix}:schedules:${repositoryKey(owner, repo)}`;
  }

  private refusalsKey(owner: string, repo: string): string {
    return `${this.deps.prefix}:schedule-refusals:${repositoryKey(owner, repo)}`;
  }
}

/** A repository as GitHub tells it apart: its name in any capitals. */
function repositoryKey(owner: string, repo: string): string {
  return `${owner}/${repo}`.toLowerCase();
}

/** The schedule of chore `chore` of a repository. */
export function refOf(owner: string, repo: string, chore: string): ScheduleRef {
  return { owner, repo, chore, schedulerId: schedulerIdOf({ owner, repo, chore }) };
}

function triggerData(ref: ScheduleRef): ScheduleTriggerData {
  return withFormat({ owner: ref.owner, repo: ref.repo, chore: ref.chore });
}

function sameScheduler(found: JobSchedulerJson<ScheduleTriggerData>, name: string, repeat: ReturnType<typeof repeatOf>, data: ScheduleTriggerData): boolean {
  const wanted = "every" in repeat ? { pattern: null, every: repeat.every, tz: null } : { pattern: repeat.pattern, every: null, tz: repeat.tz };
  return (
    found.name === name &&
    (found.pattern ?? null) === wanted.pattern &&
    (found.every ?? null) === wanted.every &&
    (found.tz ?? null) === wanted.tz &&
    JSON.stringify(found.template?.data ?? null) === JSON.stringify(data)
  );
}
