import { execFileSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENTS_MAX_LEN, QUEUE_NAMES } from "../../src/pipeline/queues.js";
import { earlierRunLogPaths, runLogPath } from "../../src/runlog/run-log-path.js";
import { redisFootprint } from "../helpers/redis-bytes.js";
import { DASHBOARD, METRICS_AUTH, startHarness, type Harness } from "./harness.js";
import { recordingScript } from "./scripts.js";

// Finished runs go 3 s after they are recorded; the sweep looks every second.
const RETENTION_ENV = { JOB_RETENTION: "3s", FAILED_JOB_RETENTION: "3s", JOB_RETENTION_UNSAFE_SHORT: "1", GITHUB_STEP_ATTEMPTS: "1" };
// "Within a minute after the window ends", as the README promises.
const GONE_WITHIN_MS = 60_000;

let h: Harness;
let redis: Redis;
beforeAll(async () => {
  h = await startHarness({ env: RETENTION_ENV });
  redis = new Redis(h.redis.port, "127.0.0.1");
});
afterAll(async () => {
  redis?.disconnect();
  await h?.close();
});

/** Polls until `probe` holds (the sweep is on a timer: there is no event to await). */
async function until(what: string, probe: () => Promise<boolean>, timeoutMs = GONE_WITHIN_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(200);
  }
}

/** The Redis keys that name a run, and whether the retention index still holds it. */
async function traces(runId: string): Promise<string[]> {
  const keys = [...(await redisFootprint(redis)).keys.keys()].filter((key) => key.includes(runId));
  const indexed = (await redis.zscore("{chorebot}:retention", runId)) !== null ? ["{chorebot}:retention member"] : [];
  return [...keys, ...indexed];
}

const gone = (runIds: string[]) => async () => (await Promise.all(runIds.map(traces))).every((left) => left.length === 0);

function committedAt(sha: string): string {
  return execFileSync("git", ["-C", h.gh.repoDir, "show", "-s", "--format=%cI", sha], { encoding: "utf8" }).trim();
}

async function processLog(runId: string): Promise<string[]> {
  return (await h.queues.process.getJobLogs(runId)).logs;
}

describe("retention", () => {
  it("leaves under 1 KB per finished run once the window has passed; a redelivery then runs nothing and commits nothing", async () => {
    // A first run creates what every queue keeps whatever it holds (meta, counters, streams).
    const warm = await h.mergeAndPush({ "scripts/warm-up.ts": recordingScript("warm-up") });
    await h.waitForRun(warm.runIds["scripts/warm-up.ts"]!);
    await until("the warm-up run is removed", gone(Object.values(warm.runIds)));
    const before = await redisFootprint(redis);

    const paths = Array.from({ length: 10 }, (_, i) => `scripts/retained-${i}.ts`);
    const merged = await h.mergeAndPush(Object.fromEntries(paths.map((path, i) => [path, recordingScript(`retained-${i}`, 'console.log("x".repeat(2000));')])));
    const runIds = paths.map((path) => merged.runIds[path]!);
    const results = await Promise.all(runIds.map((runId) => h.waitForRun(runId)));
    // Each log sits in the folder of its merge commit's month (UTC), however long the run took.
    const month = new Date(committedAt(merged.after)).toISOString().slice(0, 7).replace("-", "/");
    for (const [i, result] of results.entries()) {
      expect(result.status).toBe("succeeded");
      expect(result.logPath).toMatch(new RegExp(`^logs/${month}/retained-${i}\\.ts-[0-9a-f]{12}\\.md$`));
      expect(await h.gh.readFile("main", result.logPath)).toContain(`retained-${i}`);
    }
    // Links point where the log is (a comment's state lasts the retention: a slow merge may start a second one).
    const comments = h.gh
      .comments(merged.number)
      .map((comment) => comment.body)
      .join("\n");
    for (const result of results) expect(comments).toContain(`/blob/${result.commit}/${result.logPath})`);

    await until("all ten runs are removed", gone(runIds));
    const after = await redisFootprint(redis);
    const perRun = (after.bytes - before.bytes) / runIds.length;
    expect(perRun, `bytes left per run; keys now: ${[...after.keys.keys()].filter((key) => !before.keys.has(key)).join(", ")}`).toBeLessThan(1024);

    // The push comes again (an admin's redelivery): the repository remembers what Redis forgot.
    const commits = await h.gh.commits();
    const posted = h.gh.comments(merged.number);
    const again = await h.deliverPush(merged.before, merged.after, { deliveryId: "late-redelivery" });
    expect(again.status).toBe(200);
    const redone = await Promise.all(runIds.map((runId) => h.waitForRun(runId)));
    for (const result of redone) expect(result.commit).toBeNull();
    for (const [i] of paths.entries()) expect(await h.timesRan(`retained-${i}`)).toBe(1);
    expect(await h.gh.commits()).toEqual(commits);
    expect(h.gh.comments(merged.number)).toEqual(posted);
    expect((await processLog(runIds[0]!)).join("\n")).toMatch(
      /not run again: its run log logs\/\d{4}\/\d{2}\/retained-0\.ts-[0-9a-f]{12}\.md is already on main/,
    );
    const metrics = await (await fetch(`${h.appUrl}/metrics`, { headers: METRICS_AUTH })).text();
    expect(metrics).toMatch(/^chorebot_runs_not_repeated_total 10$/m);
  }, 60_000);

  it("caps every queue's event stream at chorebot's length, whichever process opened the queue last", async () => {
    for (const queue of QUEUE_NAMES) {
      expect(await redis.hget(`{chorebot}:${queue}:meta`, "opts.maxLenEvents"), queue).toBe(String(EVENTS_MAX_LEN));
    }
  });

  it("a log at a path an older release wrote still stops a redelivery, and so does a script no longer on the branch", async () => {
    const path = "scripts/legacy.ts";
    const merged = await h.mergeAndPush({ [path]: recordingScript("legacy") });
    const runId = merged.runIds[path]!;
    const first = await h.waitForRun(runId);
    await until("the run is removed", gone([runId]));

    // As if an earlier release had recorded it: its log at each older path, and the script back.
    const at = { script: path, commit: merged.after, attempt: 1 };
    expect(runLogPath({ ...at, committedAt: committedAt(merged.after) })).toBe(first.logPath);
    const log = (await h.gh.readFile("main", first.logPath))!;
    let current = first.logPath;
    for (const [n, older] of earlierRunLogPaths(at).entries()) {
      await h.gh.commitFiles({ files: { [current]: null, [older]: log, [path]: recordingScript("legacy") }, message: `move the log to ${older}` });
      current = older;
      const commits = await h.gh.commits();
      await h.deliverPush(merged.before, merged.after, { deliveryId: `legacy-${n}` });
      expect((await h.waitForRun(runId)).commit).toBeNull();
      expect(await h.timesRan("legacy")).toBe(1);
      expect(await h.gh.commits()).toEqual(commits);
      expect((await processLog(runId)).join("\n")).toContain(`its run log ${older} is already on main`);
      await until("the redelivered run is removed", gone([runId]));
    }

    // No log anywhere, but the script is gone: that too was handled (by a person, or a lost record).
    await h.gh.commitFiles({ files: { [current]: null, [path]: null }, message: "remove the log and the script" });
    await h.deliverPush(merged.before, merged.after, { deliveryId: "legacy-gone" });
    expect((await h.waitForRun(runId)).commit).toBeNull();
    expect(await h.timesRan("legacy")).toBe(1);
    expect((await processLog(runId)).join("\n")).toContain(`${path} is no longer on main`);
  });

  it("never removes a run whose cleanup failed: its script has no log; it alerts instead, and a retry records it", async () => {
    const path = "scripts/unrecorded.ts";
    h.gh.failNext({ method: "PATCH", path: /\/git\/refs\/heads/, status: 403, body: { message: "Resource not accessible by integration" } });
    const merged = await h.mergeAndPush({ [path]: recordingScript("unrecorded") });
    const runId = merged.runIds[path]!;
    await expect(h.waitForRun(runId)).rejects.toThrow(/Resource not accessible by integration/);

    // A later run comes and goes: the sweep has passed over the failed one since.
    const later = await h.mergeAndPush({ "scripts/later.ts": recordingScript("later") });
    await h.waitForRun(later.runIds["scripts/later.ts"]!);
    await until("the later run is removed", gone(Object.values(later.runIds)));
    expect(await h.queues.cleanup.getJobState(runId)).toBe("failed");
    expect(await h.queues.execute.getJobState(runId)).toBe("completed");
    expect(await redis.hexists(`{chorebot}:runs:${runId}`, "outcome:1")).toBe(1);
    const metrics = await (await fetch(`${h.appUrl}/metrics`, { headers: METRICS_AUTH })).text();
    expect(metrics).toMatch(/^chorebot_unrecorded_runs 1$/m);

    const retry = await fetch(`${h.appUrl}/admin/queues/api/queues/cleanup/${encodeURIComponent(runId)}/retry`, {
      method: "PUT",
      headers: { authorization: `Basic ${Buffer.from(`${DASHBOARD.user}:${DASHBOARD.password}`).toString("base64")}` },
    });
    expect(retry.status).toBe(204);
    const recorded = await h.waitForRun(runId);
    expect(recorded.commit).not.toBeNull();
    expect(await h.timesRan("unrecorded")).toBe(1);
    await until("the recorded run is removed", gone([runId]));
  });
});
