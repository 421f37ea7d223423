import { Job } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunJobData } from "../../src/pipeline/job-data.js";
import { schedulerIdOf } from "../../src/pipeline/run-id.js";
import type { TriggerResult } from "../../src/schedules/trigger-step.js";
import { examplePayload } from "../helpers/webhook-examples.js";
import { startHarness, type Harness } from "./harness.js";
import { pushJobs } from "./push-jobs.js";

// Scheduled chores end to end: the real app (web part only) and two worker processes sharing
// one Redis, BullMQ's own job schedulers at a 2 s interval, chores merged through reviewed pull
// requests into the GitHub stand-in. Each run appends its chore's name to the side-effect file.

let h: Harness;
let workers: Array<Awaited<ReturnType<Harness["spawnApp"]>>> = [];
const { finished: pushJob, close: closePushJobs } = pushJobs(() => h);

/** A chore that appends `name` to the side-effect file on each run, after `body`. */
function chore(name: string, schedule: string | null, body = ""): string {
  return `import { appendFileSync } from "node:fs";
import { defineScript } from "chorebot";
export default defineScript({
  description: "ticks",
  env: ["SIDE_EFFECTS", "BEACON"],
  ${schedule === null ? "" : `schedule: ${schedule},`}
  async run() {
    ${body}
    appendFileSync(process.env.SIDE_EFFECTS!, "${name}\\n");
  },
});
`;
}

/** Merges `files` and waits until the push is indexed (and so its schedules reconciled). */
async function mergeIndexed(files: Record<string, string | null>): Promise<void> {
  const merged = await h.mergeAndPush(files);
  await pushJob(h.queues.index, merged.after);
}

const idOf = (name: string) => schedulerIdOf({ owner: h.gh.owner, repo: h.gh.repo, chore: name });

/** The occurrences (ms) whose runs of `name` reached `execute`, and how their execute jobs stand. */
async function runsOf(
  name: string,
  states: Array<"completed" | "failed" | "active" | "wait" | "delayed"> = ["completed", "failed", "active", "wait", "delayed"],
) {
  const jobs = (await h.queues.execute.getJobs(states)) as Array<Job<RunJobData>>;
  return jobs
    .filter((job) => job.data.target.chore?.request.schedule?.schedulerId === idOf(name))
    .map((job) => ({
      id: job.id!,
      occurrenceMs: job.data.target.chore!.request.schedule!.occurrenceMs,
      attempt: job.data.target.chore!.request.schedule!.attempt,
    }))
    .sort((a, b) => a.occurrenceMs - b.occurrenceMs);
}

/** What the trigger jobs of `name` returned. */
async function triggersOf(name: string): Promise<TriggerResult[]> {
  const jobs = await h.queues.schedule.getJobs(["completed"]);
  return jobs.filter((job) => job.repeatJobKey === idOf(name)).map((job) => job.returnvalue as TriggerResult);
}

async function until<T>(what: string, check: () => Promise<T | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Waits for two intervals and more: what did not happen by then does not happen. */
const intervals = (n: number) => new Promise((resolve) => setTimeout(resolve, n * 2_000));

beforeAll(async () => {
  h = await startHarness({ chores: true, env: { SCHEDULE_MIN_INTERVAL: "1s", LOG_LEVEL: "info" }, appArgs: ["start", "--no-workers"] });
  workers = await Promise.all([h.spawnApp(["worker"]), h.spawnApp(["worker"])]);
}, 120_000);

afterAll(async () => {
  await closePushJobs();
  await h?.close();
});

describe("a scheduled chore", () => {
  it("runs each occurrence exactly once across two workers, follows a changed interval and stops when its schedule is removed", async () => {
    await mergeIndexed({ "chores/tick.ts": chore("tick", `{ every: "2s" }`) });
    expect(await h.queues.schedule.getJobScheduler(idOf("tick"))).toMatchObject({ every: 2_000, name: "tick" });
    const first = await until("four runs of tick", async () => {
      const runs = await runsOf("tick", ["completed"]);
      return runs.length >= 4 && runs;
    });
    // Distinct occurrences, on the scheduler's 2 s grid, one run (one try) each.
    const ms = first.map((run) => run.occurrenceMs);
    expect(new Set(ms).size).toBe(ms.length);
    for (const [i, occurrence] of ms.entries()) if (i > 0) expect((occurrence - ms[i - 1]!) % 2_000).toBe(0);
    expect(first.every((run) => run.attempt === 1 && run.id === `${idOf("tick")}-${run.occurrenceMs}`)).toBe(true);

    await mergeIndexed({ "chores/tick.ts": chore("tick", `{ every: "3s" }`) });
    expect((await h.queues.schedule.getJobScheduler(idOf("tick")))?.every).toBe(3_000);
    const changedAt = Date.now();
    const later = await until("two runs of tick every 3 s", async () => {
      const runs = (await runsOf("tick", ["completed"])).filter((run) => run.occurrenceMs > changedAt);
      return runs.length >= 2 && runs;
    });
    expect(later[1]!.occurrenceMs - later[0]!.occurrenceMs).toBe(3_000);

    await mergeIndexed({ "chores/tick.ts": chore("tick", null) });
    expect(await h.queues.schedule.getJobScheduler(idOf("tick"))).toBeUndefined();
    const removedAt = Date.now();
    // Any run already queued finishes; then nothing more starts.
    await intervals(3);
    const runs = await runsOf("tick");
    expect(runs.filter((run) => run.occurrenceMs > removedAt)).toEqual([]);
    expect(await runsOf("tick", ["active", "wait", "delayed"])).toEqual([]);
    // Each run ran its script once: as many lines as runs, none twice.
    expect(await h.timesRan("tick")).toBe(runs.length);
    expect(new Set(runs.map((run) => run.occurrenceMs)).size).toBe(runs.length);
  }, 90_000);

  it("skips an occurrence while the previous run still goes (overlap skip), and runs nothing twice", async () => {
    h.beacon.answer("hold", "wait");
    const hold = `while ((await (await fetch(process.env.BEACON + "/hold")).text()) !== "go") await new Promise((r) => setTimeout(r, 100));`;
    await mergeIndexed({ "chores/hold.ts": chore("hold", `{ every: "2s", overlap: "skip" }`, hold) });
    await h.beacon.next("hold");
    const skipped = await until("two skipped occurrences", async () => {
      const results = (await triggersOf("hold")).filter((r): r is Extract<TriggerResult, { skipped: string }> => "skipped" in r);
      return results.length >= 2 && results;
    });
    const [held] = await runsOf("hold");
    expect(skipped[0]!.skipped).toBe(`the run of ${new Date(held!.occurrenceMs).toISOString()} still goes`);
    // No run was queued for a skipped occurrence.
    const runIds = new Set((await runsOf("hold")).map((run) => run.occurrenceMs));
    for (const s of skipped) expect(runIds.has(s.occurrenceMs)).toBe(false);
    expect(await runsOf("hold")).toHaveLength(1);

    h.beacon.answer("hold", "go");
    // Once it ended, the next occurrence runs.
    await until("a second run of hold", async () => (await runsOf("hold", ["completed"])).length >= 2);
    await mergeIndexed({ "chores/hold.ts": null });
    await intervals(2);
    const runs = await runsOf("hold");
    expect(await runsOf("hold", ["active", "wait", "delayed"])).toEqual([]);
    expect(await h.timesRan("hold")).toBe(runs.length);
  }, 90_000);

  it("after every worker was down, runs one catch-up occurrence with catchUp latest and none with catchUp none", async () => {
    await mergeIndexed({
      "chores/latest.ts": chore("latest", `{ every: "2s", catchUp: "latest" }`),
      "chores/none.ts": chore("none", `{ every: "2s", catchUp: "none" }`),
    });
    await until("both ran", async () => (await runsOf("latest", ["completed"])).length >= 1 && (await runsOf("none", ["completed"])).length >= 1);
    await Promise.all(workers.map((worker) => worker.process.stop()));
    const stoppedAt = Date.now();
    // Several occurrences go by with no worker at all (and past the 5 s grace of catchUp none).
    await intervals(4);
    const restartedAt = Date.now();
    workers = [await h.spawnApp(["worker"])];
    await until("a run of latest after the restart", async () => (await runsOf("latest", ["completed"])).some((run) => run.occurrenceMs > restartedAt));
    await until("a run of none after the restart", async () => (await runsOf("none", ["completed"])).some((run) => run.occurrenceMs > restartedAt));
    const missed = (runs: Awaited<ReturnType<typeof runsOf>>) => runs.filter((run) => run.occurrenceMs > stoppedAt && run.occurrenceMs < restartedAt);
    expect(missed(await runsOf("latest"))).toHaveLength(1);
    expect(missed(await runsOf("none"))).toEqual([]);
    expect((await triggersOf("none")).some((r) => "skipped" in r && r.skipped.startsWith("missed while no worker ran") && r.occurrenceMs < restartedAt)).toBe(
      true,
    );
    await mergeIndexed({ "chores/latest.ts": null, "chores/none.ts": null });
  }, 90_000);

  it("has its schedulers removed when the repository leaves the installation", async () => {
    await mergeIndexed({ "chores/gone.ts": chore("gone", `{ every: "1m" }`) });
    expect(await h.queues.schedule.getJobScheduler(idOf("gone"))).toBeDefined();
    const payload = examplePayload<Record<string, any>>("installation_repositories", (p) => p.action === "removed");
    payload.repositories_removed = [{ ...payload.repositories_removed[0], name: h.gh.repo, full_name: `${h.gh.owner}/${h.gh.repo}` }];
    expect((await h.deliver("installation_repositories", payload)).status).toBeLessThan(300);
    // The repository's schedulers go (the digest flush's own scheduler, no repository's, stays).
    const ofRepository = async () =>
      (await h.queues.schedule.getJobSchedulers()).filter((s) => s.template?.data?.owner === h.gh.owner && s.template?.data?.repo === h.gh.repo);
    await until("the schedulers gone", async () => (await ofRepository()).length === 0);
    expect((await h.queues.schedule.getJobs(["delayed", "wait"])).filter((job) => job.repeatJobKey === idOf("gone"))).toEqual([]);
  }, 60_000);
});
