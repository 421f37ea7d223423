import { Redis } from "ioredis";
import { pino } from "pino";
import type { CatalogReader, RepoCatalog } from "../../../src/catalog-types.js";
import { enqueueChoreRun } from "../../../src/pipeline/enqueue-chore-run.js";
import { processJobId } from "../../../src/pipeline/run-id.js";
import { occurrenceRuns, type OccurrenceRunsDeps } from "../../../src/schedules/occurrence-runs.js";
import { triggerStep } from "../../../src/schedules/trigger-step.js";
import { ChoreRuns } from "../../../src/stores/chore-runs.js";
import { ParkedRuns } from "../../../src/stores/parked-runs.js";
import { RunInputs } from "../../../src/stores/run-inputs.js";
import { openQueues, redisConnection, type Queues } from "../../../src/pipeline/queues.js";
import type { DigestRecorder, DigestRow, OccurrenceRuns, ScheduleRef } from "../../../src/schedules/schedule-types.js";
import type { ScheduleDescription, ScriptDescription } from "../../../src/sdk/protocol.js";
import { ScheduleStates } from "../../../src/stores/schedule-states.js";
import { description, entry, indexedChore, repoCatalog } from "../chores/chores-fixtures.js";
import type { TestRedis } from "../../helpers/redis-server.js";

export const PREFIX = "{sched-test}";
export const LIMITS = { minIntervalMs: 1_000, maxAttempts: 5 };
export const silent = pino({ level: "silent" });

/** A schedule as the SDK describes it, defaults filled in, `more` on top. */
export function schedule(more: Partial<ScheduleDescription> = {}): ScheduleDescription {
  return {
    cron: null,
    everyMs: 2_000,
    timezone: "UTC",
    retries: { attempts: 1, backoff: "fixed", delayMs: 0 },
    retryOn: ["failed"],
    overlap: "skip",
    catchUp: "latest",
    inputs: {},
    ...more,
  };
}

/** A catalog entry for chore `name` declaring `sched` (null: no schedule; undefined: a description made before schedules). */
export function scheduledEntry(name: string, sched: ScheduleDescription | null | undefined, inputs: ScriptDescription["inputs"] = {}) {
  const desc = description(inputs);
  return entry(indexedChore(name, sched === undefined ? desc : { ...desc, schedule: sched }));
}

/** A catalog the tests change between reconciles, as pushes would. */
export class TestCatalog {
  current = new Map<string, RepoCatalog>();
  set(owner: string, repo: string, chores: RepoCatalog["chores"], head = "a".repeat(40)): RepoCatalog {
    const catalog = { ...repoCatalog(owner, repo, chores), head };
    this.current.set(`${owner}/${repo}`, catalog);
    return catalog;
  }
  async repositories() {
    return [...this.current.values()].map(({ owner, repo }) => ({ owner, repo }));
  }
  async read(owner: string, repo: string) {
    return this.current.get(`${owner}/${repo}`) ?? null;
  }
  async bundle() {
    return null;
  }
}

/** Keeps the rows it is given. */
export class TestDigest implements DigestRecorder {
  rows: Array<{ ref: ScheduleRef; row: DigestRow }> = [];
  async add(ref: ScheduleRef, row: DigestRow) {
    this.rows.push({ ref, row });
  }
}

export function openAll(server: TestRedis): { redis: Redis; queues: Queues; states: ScheduleStates } {
  const redis = new Redis({ host: "127.0.0.1", port: server.port, maxRetriesPerRequest: null });
  const queues = openQueues(redisConnection(server.url), PREFIX);
  return { redis, queues, states: new ScheduleStates(redis, PREFIX) };
}

/**
 * OccurrenceRuns over the test's Redis and queues, queueing through enqueueChoreRun as the
 * workers do; `guards` adds the pause and queued-tries checks where a test needs them.
 */
export function testOccurrenceRuns(
  o: { catalog: CatalogReader; redis: Redis; queues: Queues; inputs?: RunInputs; history?: ChoreRuns },
  guards: Pick<OccurrenceRunsDeps, "paused" | "tries"> = {},
): OccurrenceRuns {
  const inputs = o.inputs ?? new RunInputs(o.redis, PREFIX);
  const history = o.history ?? new ChoreRuns(o.redis, PREFIX);
  return occurrenceRuns({
    catalog: o.catalog,
    limits: LIMITS,
    enqueue: (request) => enqueueChoreRun({ flows: o.queues.flows, inputs, history, githubStepAttempts: 2 }, request),
    exists: async (runId) => (await o.queues.byName.process.getJob(processJobId(runId))) !== undefined,
    ...guards,
  });
}

/** The trigger step as the workers wire it, over the test's Redis and queues (`runs`: testOccurrenceRuns unless given). */
export function testTriggerStep(o: {
  catalog: CatalogReader;
  redis: Redis;
  queues: Queues;
  states: ScheduleStates;
  digest?: DigestRecorder;
  runs?: OccurrenceRuns;
  pollMs?: number;
}) {
  return triggerStep({
    states: o.states,
    catalog: o.catalog,
    limits: LIMITS,
    digest: o.digest ?? new TestDigest(),
    runs: o.runs ?? testOccurrenceRuns(o),
    queues: o.queues.byName,
    parked: new ParkedRuns(o.redis, PREFIX),
    redis: o.redis,
    prefix: PREFIX,
    log: silent,
    ...(o.pollMs === undefined ? {} : { pollMs: o.pollMs }),
  });
}
