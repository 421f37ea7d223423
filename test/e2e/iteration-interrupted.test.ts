import { once } from "node:events";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Job, QueueEvents } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";
import { checkpointOf, iterationScript, parkedRecord, processed, repeated, upTo } from "./iteration-scripts.js";
import { apiRun, decide, runRecord } from "./workflow-scripts.js";

let h: Harness;
let workers: Awaited<ReturnType<Harness["spawnApp"]>>[];
let executeEvents: QueueEvents;
beforeAll(async () => {
  // As workflow-interrupted: a web process that only queues, two workers, a dead worker noticed after 4 s.
  h = await startHarness({ appArgs: ["start", "--no-workers"], env: { JOB_LOCK_MS: "4000", SCRIPT_CONTAINMENT: "marker-sweep" } });
  workers = [];
  for (let i = 0; i < 2; i++) workers.push(await h.spawnApp(["worker"], { WORKER_CONCURRENCY: "1" }));
  executeEvents = new QueueEvents("execute", { connection: { host: "127.0.0.1", port: h.redis.port }, prefix: h.queues.execute.opts.prefix! });
  await executeEvents.waitUntilReady();
}, 120_000);
afterAll(async () => {
  await executeEvents?.close();
  await h?.close();
});

describe("a worker SIGKILLed while an iteration's fourth batch is in flight", () => {
  it("leaves it interrupted; a plain retry changes nothing; Resume finishes it: every item, none of a checkpointed batch twice", async () => {
    const name = "it-killed";
    const path = `scripts/${name}.ts`;
    h.beacon.answer(`${name}-go`, "wait");
    // Item 175 (the fourth batch of 50: three checkpoints saved) tells the beacon, then holds until it answers "finish".
    const hold = `if (item === 175) {
      await fetch(process.env.BEACON + "/${name}?pid=" + process.ppid);
      while ((await (await fetch(process.env.BEACON + "/${name}-go")).text()) !== "finish") await sleep(50);
    }`;
    const merged = await h.mergeAndPush({ [path]: iterationScript(name, { items: 400, batchSize: 50, before: hold }) });
    const runId = merged.runIds[path]!;
    await h.beacon.next(name);
    const checkpoint = await checkpointOf(h, runId);
    expect(checkpoint).toMatchObject({ seq: 3, done: 150, cursor: 150 });
    const workerPid = h.beacon.pid(name)!;
    const victim = workers.find((worker) => worker.process.child.pid === workerPid);
    expect(victim, `the script's parent ${workerPid} is one of the worker processes`).toBeDefined();
    const exited = once(victim!.process.child, "exit");
    process.kill(workerPid, "SIGKILL");
    await exited;
    workers = workers.filter((worker) => worker !== victim);
    workers.push(await h.spawnApp(["worker"], { WORKER_CONCURRENCY: "1" }));
    const recorded = await h.waitForRun(runId);
    expect(recorded.status).toBe("interrupted");
    h.beacon.answer(`${name}-go`, "finish");
    const record = await runRecord(h, runId, recorded.logPath);
    expect(String(record.log.frontMatter.message)).toMatch(/^the iteration was interrupted after 150 items \(its last checkpoint\)/);
    expect(await parkedRecord(h, runId)).toMatchObject({ kind: "interrupted", step: null });
    expect(await apiRun(h, runId)).toMatchObject({ status: "interrupted" });
    const before = await processed(h, name);
    // Item 175 held before its side effect: 174 processed.
    expect(before.map((entry) => entry.item)).toEqual(upTo(174));

    // The dashboard's Retry without a decision: refused, nothing more processed; Roll back: refused (nothing to roll back).
    const job = (await Job.fromId(h.queues.execute, runId))!;
    await job.retry("failed");
    await expect(job.waitUntilFinished(executeEvents)).rejects.toThrow(/runs again only by a person's decision/);
    expect((await processed(h, name)).length).toBe(174);
    expect((await decide(h, runId, "rollback", null)).status).toBe(409);

    expect((await decide(h, runId, "resume", null)).status).toBe(202);
    const resumed = await h.waitForRun(`${runId}-attempt-2`);
    expect(resumed.status).toBe("succeeded");
    const items = await processed(h, name);
    expect([...new Set(items.map((entry) => entry.item))].sort((a, b) => a - b)).toEqual(upTo(400));
    // Only the batch in flight (151-200) may have been processed twice; from there on, in order, once.
    const twice = repeated(items);
    expect(twice.length).toBeGreaterThan(0);
    expect(twice.every((item) => item > 150 && item <= 200)).toBe(true);
    expect(items.slice(174).map((entry) => entry.item)).toEqual(upTo(400).slice(150));
    const final = await runRecord(h, runId, resumed.logPath);
    expect(final.log.frontMatter).toMatchObject({ status: "succeeded", attempt: 2 });
    expect(final.log.frontMatter.decisions).toEqual([expect.objectContaining({ kind: "resume", by: "dashboard" })]);
  }, 180_000);
});

describe("an iteration whose item throws", () => {
  it("fails after that item, keeps the checkpoint before its batch, is parked, and Resume retries from there once the fault is gone", async () => {
    const name = "it-faulty";
    const path = `scripts/${name}.ts`;
    const flag = join(h.scriptCwd, `${name}.broken`);
    await writeFile(flag, "");
    const fault = `if (item === 137 && existsSync(${JSON.stringify(`${name}.broken`)})) throw new Error("item 137 is broken");`;
    const merged = await h.mergeAndPush({ [path]: iterationScript(name, { items: 300, batchSize: 50, before: fault }) });
    const runId = merged.runIds[path]!;
    const recorded = await h.waitForRun(runId);
    expect(recorded.status).toBe("failed");
    expect(String((await runRecord(h, runId, recorded.logPath)).log.frontMatter.message)).toMatch(/item 137 is broken/);
    expect((await processed(h, name)).map((entry) => entry.item)).toEqual(upTo(136));
    expect(await checkpointOf(h, runId)).toMatchObject({ seq: 2, done: 100, cursor: 100 });
    expect(await parkedRecord(h, runId)).toMatchObject({ kind: "interrupted", step: null, failure: expect.stringMatching(/item 137 is broken/) });

    // Still broken: Resume fails again at item 137, from item 101, and is parked again.
    expect((await decide(h, runId, "resume", null)).status).toBe(202);
    const again = await h.waitForRun(`${runId}-attempt-2`);
    expect(again.status).toBe("failed");
    expect((await processed(h, name)).map((entry) => entry.item)).toEqual([...upTo(136), ...upTo(136).slice(100)]);

    await rm(flag);
    expect((await decide(h, runId, "resume", null)).status).toBe(202);
    const fixed = await h.waitForRun(`${runId}-attempt-3`);
    expect(fixed.status).toBe("succeeded");
    const items = await processed(h, name);
    expect([...new Set(items.map((entry) => entry.item))].sort((a, b) => a - b)).toEqual(upTo(300));
    expect(repeated(items).every((item) => item > 100 && item <= 136)).toBe(true);
    expect(await parkedRecord(h, runId)).toBeNull();
  }, 180_000);
});
