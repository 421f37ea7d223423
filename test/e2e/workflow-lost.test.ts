import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../unit/runner/live-processes.js";
import { startHarness, type Harness } from "./harness.js";
import { marks, runRecord, workflowScript } from "./workflow-scripts.js";

let h: Harness;
let workers: Awaited<ReturnType<Harness["spawnApp"]>>[];
beforeAll(async () => {
  // A web process that only queues, two workers. A dead worker's jobs are noticed after 4 s
  // (lower values flaked under load). Marker sweep: the test finds the script's worker by its
  // parent pid, which a PID namespace would hide.
  h = await startHarness({ appArgs: ["start", "--no-workers"], env: { JOB_LOCK_MS: "4000", SCRIPT_CONTAINMENT: "marker-sweep" } });
  workers = [];
  for (let i = 0; i < 2; i++) workers.push(await h.spawnApp(["worker"], { WORKER_CONCURRENCY: "1" }));
}, 120_000);
afterAll(async () => {
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

describe("a worker SIGKILLed during a workflow's second step", () => {
  it("leaves the run lost with step one recorded as done, and nothing else runs: no third step, no rollback", async () => {
    const name = "wf-killed";
    const path = `scripts/${name}.ts`;
    // Step two tells the beacon it started (with its worker's pid and its own), then holds until
    // the beacon answers "finish", which the test never does before the kill.
    h.beacon.answer(`${name}-go`, "wait");
    const merged = await h.mergeAndPush({
      [path]: workflowScript(
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
      ),
    });
    const runId = merged.runIds[path]!;
    await h.beacon.next(name);
    const [, started] = await marks(h, name);
    const scriptPid = Number(started!.split(" ").at(-1));

    const workerPid = h.beacon.pid(name)!;
    const victim = workers.find((worker) => worker.process.child.pid === workerPid);
    expect(victim, `the script's parent ${workerPid} is one of the worker processes`).toBeDefined();
    const exited = once(victim!.process.child, "exit");
    process.kill(workerPid, "SIGKILL");
    await exited;
    // The script dies with its worker (its lifeline), before it could go on.
    expect(await waitFor(() => !isAlive(scriptPid), 10_000), `script ${scriptPid} outlived its worker`).toBe(true);
    // Were anything still running it, step two would now finish and step three run.
    h.beacon.answer(`${name}-go`, "finish");

    const lost = await h.waitForRun(runId);
    expect(lost.status).toBe("lost");
    expect(await marks(h, name)).toEqual(["run one", `run two started ${scriptPid}`]);

    const record = await runRecord(h, runId, lost.logPath);
    expect(record.ledger.workflow?.attempt).toBe(1);
    expect(record.ledger.workflow?.report.entries.map((e) => `${e.direction} ${e.step} ${e.outcome}`)).toEqual(["run one succeeded"]);
    expect(record.ledger.workflow?.report.state).toEqual({ done: ["one"] });
    expect(record.log.frontMatter).toMatchObject({ status: "lost", attempt: 1, workflow_outcome: "incomplete" });
    expect(String(record.log.frontMatter.message)).toMatch(
      /the script may have partly run .*steps completed: one; nothing is re-run or rolled back on its own/,
    );
    expect(record.log.frontMatter.workflow_steps).toEqual([
      { name: "one", rollback: true, standing: "done" },
      { name: "two", rollback: true, standing: "not_run" },
      { name: "three", rollback: true, standing: "not_run" },
    ]);
    expect(record.log.body).toContain("## Steps");
    // The lost run is failed for good: nothing runs it again on its own.
    expect(await h.queues.execute.getJobState(runId)).toBe("failed");
    expect(await marks(h, name)).toEqual(["run one", `run two started ${scriptPid}`]);
  }, 120_000);
});
