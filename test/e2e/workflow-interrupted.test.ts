import { once } from "node:events";
import { Job, QueueEvents } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../unit/runner/live-processes.js";
import { startHarness, type Harness } from "./harness.js";
import { apiRun, decide, marks, runRecord, workflowScript } from "./workflow-scripts.js";

let h: Harness;
let workers: Awaited<ReturnType<Harness["spawnApp"]>>[];
let executeEvents: QueueEvents;
beforeAll(async () => {
  // As workflow-lost: a web process that only queues, two workers, a dead worker noticed after 4 s.
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

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Three steps with rollbacks; step two tells the beacon it started, then holds until the beacon answers "finish". */
const holdingWorkflow = (name: string) =>
  workflowScript(
    name,
    `steps: [
    step({ name: "one", run(state) { mark("run one"); state.done.push("one"); }, rollback() { mark("undo one"); } }),
    step({
      name: "two",
      async run(state) {
        mark("run two started " + process.pid);
        await fetch(process.env.BEACON + "/${name}?pid=" + process.ppid);
        while ((await (await fetch(process.env.BEACON + "/${name}-go")).text()) !== "finish") await new Promise((r) => setTimeout(r, 50));
        mark("run two finished");
        state.done.push("two");
      },
      rollback() { mark("undo two"); },
    }),
    step({ name: "three", run() { mark("run three"); }, rollback() { mark("undo three"); } }),
  ],`,
  );

/** The side effects of the workflow's steps, without the process ids step two adds. */
const steps = async (name: string) => (await marks(h, name)).map((mark) => mark.replace(/ \d+$/, ""));

/** Merges the workflow, SIGKILLs the worker running its step two, and waits for the run to be recorded: a worker takes the dead one's place. */
async function interruptedRun(name: string) {
  const path = `scripts/${name}.ts`;
  h.beacon.answer(`${name}-go`, "wait");
  const merged = await h.mergeAndPush({ [path]: holdingWorkflow(name) });
  const runId = merged.runIds[path]!;
  await h.beacon.next(name);
  const workerPid = h.beacon.pid(name)!;
  const victim = workers.find((worker) => worker.process.child.pid === workerPid);
  expect(victim, `the script's parent ${workerPid} is one of the worker processes`).toBeDefined();
  const exited = once(victim!.process.child, "exit");
  process.kill(workerPid, "SIGKILL");
  await exited;
  workers = workers.filter((worker) => worker !== victim);
  workers.push(await h.spawnApp(["worker"], { WORKER_CONCURRENCY: "1" }));
  const recorded = await h.waitForRun(runId);
  // Its script died with its worker; its blocker is released: were anything still running it, step two would now finish.
  const scriptPid = Number((await marks(h, name)).at(-1)!.split(" ").at(-1));
  expect(await waitFor(() => !isAlive(scriptPid), 10_000), `script ${scriptPid} outlived its worker`).toBe(true);
  h.beacon.answer(`${name}-go`, "finish");
  return { runId, recorded };
}

describe("a worker SIGKILLed during a workflow's step two", () => {
  it("leaves the run interrupted at step two; a plain retry changes nothing; Resume (twice at once: once) runs step two again and goes on", async () => {
    const name = "wf-interrupted";
    const { runId, recorded } = await interruptedRun(name);
    expect(recorded.status).toBe("interrupted");
    expect(await steps(name)).toEqual(["run one", "run two started"]);

    const record = await runRecord(h, runId, recorded.logPath);
    expect(record.log.frontMatter).toMatchObject({ status: "interrupted", attempt: 1 });
    expect(String(record.log.frontMatter.message)).toMatch(
      /^step two was interrupted: its worker stopped \(.*\); it is not run again on its own: Resume or Roll back$/,
    );
    const view = await apiRun(h, runId);
    expect(view).toMatchObject({ status: "interrupted", interrupted: { step: "two" } });
    expect(await h.queues.execute.getJobState(runId)).toBe("failed");

    // The dashboard's Retry without a decision: refused, no new attempt, no log, still interrupted.
    const job = (await Job.fromId(h.queues.execute, runId))!;
    await job.retry("failed");
    await expect(job.waitUntilFinished(executeEvents)).rejects.toThrow(/runs again only by a person's decision: Resume or Roll back/);
    expect((await Job.fromId(h.queues.execute, runId))!.attemptsMade).toBe(1);
    expect(await apiRun(h, runId)).toMatchObject({ status: "interrupted", interrupted: { step: "two" } });
    expect(await steps(name)).toEqual(["run one", "run two started"]);

    // Two Resumes at once: one is taken, the other is told it was decided already.
    const answers = await Promise.all([decide(h, runId, "resume", null), decide(h, runId, "resume", null)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([202, 409]);
    const resumed = await h.waitForRun(`${runId}-attempt-2`);
    expect(resumed.status).toBe("succeeded");
    expect(await steps(name)).toEqual(["run one", "run two started", "run two started", "run two finished", "run three"]);

    const final = await runRecord(h, runId, resumed.logPath);
    expect(final.log.frontMatter).toMatchObject({ status: "succeeded", attempt: 2 });
    expect(final.log.frontMatter.decisions).toEqual([expect.objectContaining({ kind: "resume", by: "dashboard", via: "api" })]);
    expect((final.log.frontMatter.workflow_steps as { name: string; standing: string }[]).map((s) => `${s.name} ${s.standing}`)).toEqual([
      "one done",
      "two done",
      "three done",
    ]);
    // A third Resume: nothing is interrupted any more.
    expect((await decide(h, runId, "resume", null)).status).toBe(409);
  }, 180_000);

  it("on another run, Roll back runs step two's and step one's rollbacks and nothing else", async () => {
    const name = "wf-rolled-back";
    const { runId, recorded } = await interruptedRun(name);
    expect(recorded.status).toBe("interrupted");
    h.gh.setPermission("rita", "read");
    // A reader may not decide; a writer's token may.
    expect((await decide(h, runId, "rollback", h.gh.personalToken("rita"))).status).toBe(403);
    expect((await decide(h, runId, "rollback", h.gh.personalToken("bob"))).status).toBe(202);
    const rolledBack = await h.waitForRun(`${runId}-attempt-2`);
    expect(rolledBack.status).toBe("rolled_back");
    expect(await steps(name)).toEqual(["run one", "run two started", "undo two", "undo one"]);
    const final = await runRecord(h, runId, rolledBack.logPath);
    expect(String(final.log.frontMatter.message)).toMatch(/rolled back by bob after step two was interrupted/);
    expect(final.log.frontMatter.decisions).toEqual([expect.objectContaining({ kind: "rollback", by: "bob" })]);
  }, 180_000);

  it("a resumed run interrupted again waits again for a person, and Roll back then undoes what both attempts did", async () => {
    const name = "wf-twice-interrupted";
    const { runId } = await interruptedRun(name);
    // Step two holds again in the resumed attempt, and its worker is killed again.
    h.beacon.answer(`${name}-go`, "wait");
    expect((await decide(h, runId, "resume", null)).status).toBe(202);
    await h.beacon.next(name);
    const workerPid = h.beacon.pid(name)!;
    const victim = workers.find((worker) => worker.process.child.pid === workerPid)!;
    const exited = once(victim.process.child, "exit");
    process.kill(workerPid, "SIGKILL");
    await exited;
    workers = workers.filter((worker) => worker !== victim);
    workers.push(await h.spawnApp(["worker"], { WORKER_CONCURRENCY: "1" }));
    const again = await h.waitForRun(`${runId}-attempt-2`);
    expect(again.status).toBe("interrupted");
    const scriptPid = Number((await marks(h, name)).at(-1)!.split(" ").at(-1));
    expect(await waitFor(() => !isAlive(scriptPid), 10_000), `script ${scriptPid} outlived its worker`).toBe(true);
    h.beacon.answer(`${name}-go`, "finish");
    expect(await apiRun(h, runId)).toMatchObject({ status: "interrupted", attempt: 2, interrupted: { step: "two" } });
    expect(await steps(name)).toEqual(["run one", "run two started", "run two started"]);

    expect((await decide(h, runId, "rollback", null)).status).toBe(202);
    const rolledBack = await h.waitForRun(`${runId}-attempt-3`);
    expect(rolledBack.status).toBe("rolled_back");
    expect(await steps(name)).toEqual(["run one", "run two started", "run two started", "undo two", "undo one"]);
    const final = await runRecord(h, runId, rolledBack.logPath);
    expect((final.log.frontMatter.decisions as { kind: string }[]).map((d) => d.kind)).toEqual(["resume", "rollback"]);
  }, 180_000);
});
