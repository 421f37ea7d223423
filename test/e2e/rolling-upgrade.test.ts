import { setTimeout as sleep } from "node:timers/promises";
import { Job, type Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOB_FORMAT } from "../../src/pipeline/job-format.js";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { earlierRunLogPaths } from "../../src/runlog/run-log-path.js";
import { buildRelease } from "../upgrade/build-release.js";
import { PREVIOUS_RELEASE } from "../upgrade/previous-release.js";
import { startRelease, type ReleaseProcess } from "../upgrade/release-process.js";
import { startHarness, type Harness } from "./harness.js";
import { recordingScript } from "./scripts.js";

/**
 * A rolling upgrade for real: the previous release (test/upgrade/previous-release.ts), built
 * from git, queues and starts work; it is stopped and this checkout's build finishes it.
 * Every script records its executions, so "ran once" is what the side-effect file says.
 */
const PREFIX = "{chorebot}";
const FINISHED = "scripts/finished-under-old.ts"; // (c) ran and was recorded by the old release
const EXECUTED = "scripts/executed-under-old.ts"; // (b) ran under the old release, recorded by the new
const PROCESSED = "scripts/processed-under-old.ts"; // (a) bundled by the old release, run by the new

let h: Harness;
let old: ReleaseProcess | undefined;
let redis: Redis;
const runIds: Record<string, string> = {};
const commits: Record<string, string> = {};
let oldBundle: string | null = null;

beforeAll(async () => {
  const cli = await buildRelease(PREVIOUS_RELEASE.commit);
  h = await startHarness({ env: { SHUTDOWN_GRACE: "2" } });
  redis = new Redis(h.redis.port, { lazyConnect: true });
  // The harness starts this checkout's app; the old release takes its place (same port, env).
  await h.app.stop();
  old = await startRelease(cli, h);

  const merge = async (path: string) => {
    const merged = await h.mergeAndPush({ [path]: recordingScript(path, `console.log("output of ${path}");`) });
    expect(merged.delivery.status).toBe(200);
    runIds[path] = merged.runIds[path]!;
    commits[path] = merged.after;
    return runIds[path];
  };
  // (c) all the way through.
  expect((await h.waitForRun(await merge(FINISHED))).status).toBe("succeeded");
  // (b) executed, not recorded.
  await h.queues.cleanup.pause();
  await until(h.queues.execute, await merge(EXECUTED), "completed");
  // (a) processed, not executed: the old release's bundle and process result are in Redis.
  await h.queues.execute.pause();
  await until(h.queues.process, await merge(PROCESSED), "completed");
  oldBundle = await redis.get(`${PREFIX}:bundles:${runIds[PROCESSED]}`);

  await old.stop();
  await h.restartApp();
  await Promise.all([h.queues.execute.resume(), h.queues.cleanup.resume()]);
}, 240_000);

afterAll(async () => {
  await old?.stop();
  redis?.disconnect();
  await h?.close();
});

/** The flat path the previous release gave the log of `attempt` of the run of `path`. */
const oldLogPath = (path: string, attempt = 1) => earlierRunLogPaths({ script: path, commit: commits[path]!, attempt })[0]!;

async function logAt(path: string) {
  const text = await h.gh.readFile(h.gh.defaultBranch, path);
  expect(text, `${path} is committed`).toBeDefined();
  return parseRunLog(text!);
}

describe(`a rolling upgrade from ${PREVIOUS_RELEASE.commit.slice(0, 7)} (job format ${PREVIOUS_RELEASE.format})`, () => {
  it("runs once, with the old release's bundle, a script the old release processed; its log at the old release's path", async () => {
    expect(oldBundle, "the old release stored its bundle at its own key").toContain(PROCESSED);
    const recorded = await h.waitForRun(runIds[PROCESSED]!);
    expect(recorded.status).toBe("succeeded");
    expect(await h.timesRan(PROCESSED)).toBe(1);
    // Queued without a commit date: the path that release would have used, whoever records it.
    expect(recorded.logPath).toBe(oldLogPath(PROCESSED));
    const log = await logAt(recorded.logPath);
    expect(log.body).toContain(`output of ${PROCESSED}`);
    expect(await h.gh.readFile(h.gh.defaultBranch, PROCESSED)).toBeUndefined();
  });

  it("records a script the old release executed from its result, without running it again", async () => {
    const recorded = await h.waitForRun(runIds[EXECUTED]!);
    expect(recorded.status).toBe("succeeded");
    expect(recorded.logPath).toBe(oldLogPath(EXECUTED));
    expect((await logAt(recorded.logPath)).body).toContain(`output of ${EXECUTED}`);
    expect(await h.timesRan(EXECUTED)).toBe(1);
  });

  it("refuses a retry of a run the old release finished: it already has a result", async () => {
    const runId = runIds[FINISHED]!;
    await (await Job.fromId(h.queues.execute, runId))!.retry("completed");
    const second = await h.waitForRun(`${runId}-attempt-2`);
    expect(second.status).toBe("refused");
    expect(second.logPath).toBe(oldLogPath(FINISHED, 2));
    expect(String((await logAt(second.logPath)).frontMatter.message)).toBe("this run already has a result (attempt 1); a finished run never runs again");
    expect(await h.timesRan(FINISHED)).toBe(1);
  });

  it("fails a job written by a newer chorebot with what to do, and touches nothing", async () => {
    const newer = JOB_FORMAT + 1;
    const job = await h.queues.discover.add("from the future", { format: newer }, { jobId: `format-${newer}`, attempts: 3 });
    const failed = await untilFailed(h.queues.discover, job.id!);
    expect(failed.failedReason).toBe(
      `written by a newer chorebot (job format ${newer}; this worker reads up to ${JOB_FORMAT}): deploy the new release to this worker, then retry the job from the dashboard`,
    );
    expect(failed.attemptsMade).toBe(1);
  });
});

async function until(queue: Queue, jobId: string, state: "completed", timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await (await Job.fromId(queue, jobId))?.getState()) !== state) {
    if (Date.now() > deadline) throw new Error(`${queue.name} job ${jobId} did not reach ${state}`);
    await sleep(100);
  }
}

async function untilFailed(queue: Queue, jobId: string, timeoutMs = 30_000): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // Read the job after its state: failedReason is set in the same step that makes it failed.
    const failed = (await queue.getJobState(jobId)) === "failed";
    if (failed) return (await Job.fromId(queue, jobId))!;
    if (Date.now() > deadline) throw new Error(`${queue.name} job ${jobId} did not fail`);
    await sleep(100);
  }
}
