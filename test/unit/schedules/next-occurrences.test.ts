import { Queue, QueueEvents, Worker, type Job } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextOccurrences } from "../../../src/schedules/next-occurrences.js";
import { repeatOf } from "../../../src/schedules/scheduled-version.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";

const cron = (expression: string, timezone = "UTC") => ({ cron: expression, everyMs: null, timezone });
const every = (ms: number) => ({ cron: null, everyMs: ms, timezone: "UTC" });
const iso = (times: number[]) => times.map((ms) => new Date(ms).toISOString());

describe("nextOccurrences", () => {
  it("reads a cron expression in its time zone, across a change of the clock", () => {
    // 03:00 in Berlin: 02:00 UTC in winter, 01:00 UTC once summer time starts on 2027-03-28.
    const from = Date.parse("2027-03-26T12:00:00Z");
    expect(iso(nextOccurrences(cron("0 3 * * *", "Europe/Berlin"), from, 4))).toEqual([
      "2027-03-27T02:00:00.000Z",
      "2027-03-28T01:00:00.000Z",
      "2027-03-29T01:00:00.000Z",
      "2027-03-30T01:00:00.000Z",
    ]);
    expect(iso(nextOccurrences(cron("*/10 * * * * *"), Date.parse("2027-01-01T00:00:05Z"), 3))).toEqual([
      "2027-01-01T00:00:10.000Z",
      "2027-01-01T00:00:20.000Z",
      "2027-01-01T00:00:30.000Z",
    ]);
  });

  it("gives the times after `from`, never `from` itself, for a cron expression", () => {
    const from = Date.parse("2027-01-01T03:00:00Z");
    expect(iso(nextOccurrences(cron("0 3 * * *"), from, 1))).toEqual(["2027-01-02T03:00:00.000Z"]);
  });

  it("starts an interval at `from` (a new scheduler fires at once) and steps by it", () => {
    expect(nextOccurrences(every(900_000), 1_000, 3)).toEqual([1_000, 901_000, 1_801_000]);
  });

  it("throws on an expression the parser refuses", () => {
    expect(() => nextOccurrences(cron("61 * * * *"), 0, 1)).toThrow(/61/);
  });
});

describe("nextOccurrences against BullMQ's job scheduler", () => {
  let server: TestRedis;
  let queue: Queue;
  const connection = () => ({ url: server.url, maxRetriesPerRequest: null });

  beforeAll(async () => {
    server = await startRedis();
    queue = new Queue("next-occurrences", { connection: connection() });
  });
  afterAll(async () => {
    await queue?.close();
    await server?.stop();
  });

  it("matches the scheduler's next occurrence for a cron expression in a time zone", async () => {
    for (const [id, schedule] of [
      ["berlin", cron("0 3 * * *", "Europe/Berlin")],
      ["new-york", cron("30 9 * * 1-5", "America/New_York")],
      ["lord-howe", cron("15 2 * * *", "Australia/Lord_Howe")],
    ] as const) {
      const before = Date.now();
      await queue.upsertJobScheduler(id, repeatOf(schedule), { name: "trigger" });
      const scheduler = await queue.getJobScheduler(id);
      const [first] = nextOccurrences(schedule, before, 1);
      expect(scheduler?.next, id).toBe(first);
    }
  });

  it("matches the times a running scheduler fires at, for a cron expression with seconds and for an interval", async () => {
    const events = new QueueEvents("next-occurrences", { connection: connection() });
    await events.waitUntilReady();
    const fired: Record<string, number[]> = { "every-second": [], "every-700ms": [] };
    // The occurrence's time is the job's scheduled time: `repeat:<id>:<ms>` in its id.
    const worker = new Worker(
      "next-occurrences",
      async (job: Job) => {
        const scheduler = job.repeatJobKey!;
        if (scheduler in fired) fired[scheduler]!.push(Number(job.id!.split(":").at(-1)));
      },
      { connection: connection() },
    );
    try {
      const cronSchedule = cron("*/2 * * * * *", "Asia/Kolkata");
      const start = Date.now();
      await queue.upsertJobScheduler("every-second", repeatOf(cronSchedule), { name: "trigger" });
      await queue.upsertJobScheduler("every-700ms", repeatOf(every(700)), { name: "trigger" });
      const created = (await queue.getJobScheduler("every-700ms"))!.next!;
      const done = new Promise<void>((resolve) => {
        const check = () => {
          if (fired["every-second"]!.length >= 3 && fired["every-700ms"]!.length >= 3) resolve();
        };
        events.on("completed", check);
      });
      await done;
      expect(fired["every-second"]!.slice(0, 3)).toEqual(nextOccurrences(cronSchedule, start, 3));
      // The interval's phase is the scheduler's creation time, which BullMQ takes itself: the first occurrence, then every 700 ms.
      expect(created).toBeGreaterThanOrEqual(start);
      expect(fired["every-700ms"]!.slice(0, 3)).toEqual(nextOccurrences(every(700), created, 3));
    } finally {
      await worker.close();
      await events.close();
      await queue.removeJobScheduler("every-second");
      await queue.removeJobScheduler("every-700ms");
    }
  });
});
