import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RepoCatalog } from "../../../src/catalog-types.js";
import { createMetrics } from "../../../src/metrics/create-metrics.js";
import type { ScheduleMetricsSource } from "../../../src/metrics/schedule-metrics.js";
import { schedulerIdOf } from "../../../src/pipeline/run-id.js";
import type { ScheduleRef } from "../../../src/schedules/schedule-types.js";
import type { ScheduleDescription } from "../../../src/sdk/protocol.js";
import { ScheduleStates } from "../../../src/stores/schedule-states.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { description, entry, indexedChore, repoCatalog } from "../chores/chores-fixtures.js";

const EVERY_MINUTE: ScheduleDescription = {
  cron: null,
  everyMs: 60_000,
  timezone: "UTC",
  retries: { attempts: 1, backoff: "fixed", delayMs: 0 },
  retryOn: ["failed"],
  overlap: "skip",
  catchUp: "latest",
  inputs: {},
};
const NEXT_MS = Date.parse("2026-12-06T15:00:00Z");
// A chore's name is its path under chores/: a file name may hold quotes, backslashes, even a newline.
const ODD = 'we"ird\\name\nx';

/** Every sample line of a Prometheus text page, as `name{labels}` → value; fails on a line that is not one. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})?) (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    samples.set(match[1]!, Number(match[2]));
  }
  return samples;
}

/** The samples of the schedule metrics only. */
function scheduleSamples(samples: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...samples].filter(([name]) => name.startsWith("chorebot_schedule_")));
}

describe("schedule metrics", () => {
  const prefix = "metrics-schedules";
  let server: TestRedis;
  let redis: Redis;
  let states: ScheduleStates;
  let catalogs: RepoCatalog[];
  let paused: Set<string>;
  let nextCalls: ScheduleRef[];

  const source = (): ScheduleMetricsSource => ({
    catalog: {
      repositories: async () => catalogs.map(({ owner, repo }) => ({ owner, repo })),
      read: async (owner, repo) => catalogs.find((c) => c.owner === owner && c.repo === repo) ?? null,
    },
    states,
    control: {
      next: async (ref) => {
        nextCalls.push(ref);
        return paused.has(ref.schedulerId) ? null : NEXT_MS;
      },
    },
  });
  const idOf = (repo: string, chore: string) => schedulerIdOf({ owner: "acme", repo, chore });

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis({ host: "127.0.0.1", port: server.port });
    states = new ScheduleStates(redis, prefix);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });
  beforeEach(async () => {
    await redis.flushall();
    paused = new Set();
    nextCalls = [];
    catalogs = [
      repoCatalog("acme", "shop", [
        entry(indexedChore("purge-sessions", description({}, { schedule: EVERY_MINUTE }))),
        entry(indexedChore("by-hand", description({}))),
        entry(indexedChore(ODD, description({}, { schedule: { ...EVERY_MINUTE, cron: "0 3 * * *", everyMs: null } }))),
      ]),
      repoCatalog("acme", "tools", [entry(indexedChore("plain", null)), entry(null, { name: "broken", problem: { commit: "a".repeat(40), message: "no" } })]),
    ];
  });

  it("reports each scheduled chore's last success and next occurrence, and the ends by status", async () => {
    await states.recordEnd(idOf("shop", "purge-sessions"), { runId: "r1", status: "succeeded", at: "2026-12-06T14:30:00.000Z", failing: false });
    await states.countEnd("r1", "succeeded");
    await states.countEnd("r2", "failed");
    await states.countEnd("r2", "failed"); // the same end again (a cleanup retried): counted once
    await states.countEnd("occ-3", "skipped");
    paused.add(idOf("shop", ODD));

    const samples = parse(await createMetrics({ queues: [], redis, prefix, schedules: source() }).render());
    expect(scheduleSamples(samples)).toEqual({
      'chorebot_schedule_last_success_timestamp_seconds{repository="acme/shop",chore="purge-sessions"}': Date.parse("2026-12-06T14:30:00Z") / 1000,
      'chorebot_schedule_last_success_timestamp_seconds{repository="acme/shop",chore="we\\"ird\\\\name\\nx"}': 0,
      'chorebot_schedule_next_occurrence_timestamp_seconds{repository="acme/shop",chore="purge-sessions"}': NEXT_MS / 1000,
      'chorebot_schedule_runs_total{status="succeeded"}': 1,
      'chorebot_schedule_runs_total{status="failed"}': 1,
      'chorebot_schedule_runs_total{status="skipped"}': 1,
    });
    // Only scheduled chores are asked about: one next occurrence each.
    expect(nextCalls.map((ref) => ref.chore).sort()).toEqual(["purge-sessions", ODD].sort());
  });

  it("drops a chore's samples once it has no schedule, or its repository has no catalog (chorebot uninstalled)", async () => {
    const metrics = createMetrics({ queues: [], redis, prefix, schedules: source() });
    expect(Object.keys(scheduleSamples(parse(await metrics.render())))).toHaveLength(4);
    catalogs[0]!.chores[0] = entry(indexedChore("purge-sessions", description({})));
    expect(Object.keys(scheduleSamples(parse(await metrics.render())))).toEqual([
      'chorebot_schedule_last_success_timestamp_seconds{repository="acme/shop",chore="we\\"ird\\\\name\\nx"}',
      'chorebot_schedule_next_occurrence_timestamp_seconds{repository="acme/shop",chore="we\\"ird\\\\name\\nx"}',
    ]);
    catalogs = [];
    expect(scheduleSamples(parse(await metrics.render()))).toEqual({});
  });

  it("leaves the schedule metrics out of a page rendered without Redis, and has none without a source", async () => {
    const metrics = createMetrics({ queues: [], redis, prefix, schedules: source() });
    await metrics.render();
    expect(scheduleSamples(parse(await metrics.renderWithoutRedis()))).toEqual({});
    expect(await metrics.renderWithoutRedis()).not.toContain("chorebot_schedule_");
    expect(await createMetrics({ queues: [], redis, prefix }).render()).not.toContain("chorebot_schedule_");
  });
});
