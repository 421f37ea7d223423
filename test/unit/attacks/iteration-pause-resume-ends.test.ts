import { describe, expect, it } from "vitest";
import { wakeRun } from "../../../src/pipeline/decide-run.js";
import { pauseRun, type PauseAnswer } from "../../../src/pipeline/pause-run.js";
import { executeJobId } from "../../../src/pipeline/run-id.js";
import type { IterationReport } from "../../../src/run-types.js";
import { iterationSections } from "../../../src/runlog/iteration-section.js";
import { ExecutionLedger, type Checkpoint } from "../../../src/stores/execution-ledger.js";
import { ParkedRuns, type ParkedRun } from "../../../src/stores/parked-runs.js";
import type { Settled } from "../steps/step-fixtures.js";
import { executeDelays, iterationStepHarness, startIteration, WatchedParkedRuns, within } from "./iteration-step-harness.js";

// A pause asked while a Resume waits to be picked up, and pauses that race the run's end.
const h = iterationStepHarness();

describe("a pause asked of a paused iteration whose Resume is decided and not picked up yet", () => {
  it("is taken: the resumed run parks paused again before it goes on, and the next Resume finishes it, every item once", async () => {
    const parked = new WatchedParkedRuns(h.q.redis, h.q.prefix);
    const delays = await executeDelays(h);
    const firstPark = parked.nextPark();
    let firstDelay: Promise<void> | null = null;
    // Paused while it is queued: parked before it starts.
    const run = await startIteration(h, {
      parked,
      before: async (runId) => {
        firstDelay = delays.delayed(runId);
        expect(await parked.requestPause(runId, { kind: "pause", by: "fred", via: "api", at: new Date().toISOString() })).toMatchObject({ ok: true });
      },
    });
    expect((await within(firstPark, 5_000)) as ParkedRun).toMatchObject({ kind: "paused" });
    // Its job delayed, so that the wakes below find it.
    expect(await within(firstDelay!, 5_000)).not.toBe("still waiting");

    // A Resume is decided; before any worker looks, a pause is asked.
    expect((await parked.decide(run.runId, { kind: "resume", by: "bob", via: "page", at: new Date().toISOString() })).ok).toBe(true);
    const asked = await pauseRun(run.deps, run.runId, { by: "alice", via: "api" });
    expect(asked).toMatchObject({ ok: true, request: { by: "alice" } });
    const secondPark = parked.nextPark();
    const secondDelay = delays.delayed(run.runId);
    await wakeRun(h.q.queue("execute"), run.runId);
    expect((await within(secondPark, 5_000)) as ParkedRun).toMatchObject({ kind: "paused", decision: null });
    expect(await within(secondDelay, 5_000)).not.toBe("still waiting");
    expect(await parked.pauseRequest(run.runId)).toBeNull();
    expect(await run.logs()).toEqual(
      expect.arrayContaining([
        "attempt 1: resume by bob (page) at " + (await parked.decisions(run.runId))[1]!.at,
        "attempt 1: paused by alice before it went on",
      ]),
    );
    // Nothing of it ran: the ledger has no checkpoint.
    expect((await h.ledger.read(run.runId)).iteration).toBeNull();

    expect((await parked.decide(run.runId, { kind: "resume", by: "carol", via: "page", at: new Date().toISOString() })).ok).toBe(true);
    await wakeRun(h.q.queue("execute"), run.runId);
    const settled = await within(run.settled, 10_000);
    expect(settled).not.toBe("still waiting");
    expect((settled as Settled).state).toBe("completed");
    const outcome = await h.outcomes.load(run.runId, 1);
    expect(outcome?.execution).toMatchObject({ status: "succeeded" });
    expect(outcome?.execution.report?.iteration).toMatchObject({ finished: true, checkpoint: { done: 10 } });
    expect(outcome?.execution.decisions?.map((d) => `${d.kind}:${d.by}`)).toEqual(["pause:fred", "resume:bob", "pause:alice", "resume:carol"]);
    expect(await parked.read(run.runId)).toBeNull();
  });
});

/** A ledger that runs `onLast` once the last batch's checkpoint is saved, before the worker looks for a pause. */
class LastCheckpointHook extends ExecutionLedger {
  onLast: (runId: string) => Promise<void> = async () => {};
  override async saveCheckpoint(runId: string, attempt: number, checkpoint: Checkpoint, report: IterationReport): Promise<void> {
    await super.saveCheckpoint(runId, attempt, checkpoint, report);
    if (checkpoint.done === 10) await this.onLast(runId);
  }
}

/** Parked runs that, once the worker has answered the run's pause (the run is over), let `then` ask another. */
class AfterAnswer extends ParkedRuns {
  then: ((runId: string) => Promise<void>) | null = null;
  override async clearPauseRequest(runId: string): Promise<void> {
    await super.clearPauseRequest(runId);
    const then = this.then;
    this.then = null;
    await then?.(runId);
  }
}

describe("a pause that races the end of an iteration", () => {
  it("asked during its last batch comes too late: it finishes, the log says so, and no pause is left pending", async () => {
    const hooked = new LastCheckpointHook(h.q.redis, h.q.prefix);
    const parked = new ParkedRuns(h.q.redis, h.q.prefix);
    const run = await startIteration(h, { parked, ledger: hooked });
    let asked: PauseAnswer | null = null;
    hooked.onLast = async (runId) => {
      asked = await pauseRun(run.deps, runId, { by: "alice", via: "api" });
    };
    const settled = await within(run.settled, 10_000);
    expect((settled as Settled).state).toBe("completed");
    expect(asked).toMatchObject({ ok: true });
    const outcome = await h.outcomes.load(run.runId, 1);
    expect(outcome?.execution).toMatchObject({ status: "succeeded" });
    // The script says so (it was told to pause with its last batch)…
    expect(outcome?.execution.report?.logs.map((log) => log.message)).toEqual(["the pause came too late: batch 5 was the last, the iteration is finished"]);
    // …and the record has the pause, so its log's history says it never paused.
    expect(outcome?.execution.decisions?.map((d) => `${d.kind}:${d.by}`)).toEqual(["pause:alice"]);
    const history = iterationSections(outcome!.execution.report!.iteration, { status: "succeeded", decisions: outcome!.execution.decisions }).join("");
    expect(history).toContain("the run finished during its last batch, so it never paused.");
    expect(await parked.pauseRequest(run.runId)).toBeNull();
    expect(await pauseRun(run.deps, run.runId, { by: "bob", via: "cli" })).toMatchObject({ refusal: "finished" });
  });

  it("asked once its worker recorded the result and answered the pauses, its job still active, is refused as finished: nothing stays", async () => {
    const parked = new AfterAnswer(h.q.redis, h.q.prefix);
    let asked: PauseAnswer | null = null;
    const run = await startIteration(h, { parked });
    parked.then = async (runId) => {
      // Still active: its worker has not returned yet.
      expect(await h.q.queue("execute").getJobState(executeJobId(runId))).toBe("active");
      asked = await pauseRun(run.deps, runId, { by: "alice", via: "api" });
    };
    const settled = await within(run.settled, 10_000);
    expect((settled as Settled).state).toBe("completed");
    expect(asked).toMatchObject({ ok: false, status: 409, refusal: "finished" });
    expect(await parked.pauseRequest(run.runId)).toBeNull();
    expect(await parked.decisions(run.runId)).toEqual([]);
  });

  // Paused while queued, then cancelled before a worker took it: it ends cancelled before the
  // attempt's clean-up that answers a pause, which left the request in the finished run's hash.
  it("asked while queued, then a cancel: it ends cancelled, and no pause is left pending", async () => {
    const parked = new ParkedRuns(h.q.redis, h.q.prefix);
    const run = await startIteration(h, {
      parked,
      before: async (runId) => {
        expect(await parked.requestPause(runId, { kind: "pause", by: "alice", via: "api", at: new Date().toISOString() })).toMatchObject({ ok: true });
        expect(await h.cancellations.request(runId, "erin")).not.toBe("unknown");
      },
    });
    const settled = await within(run.settled, 10_000);
    expect((settled as Settled).state).toBe("completed");
    const outcome = await h.outcomes.load(run.runId, 1);
    expect(outcome?.execution).toMatchObject({ status: "cancelled" });
    expect(outcome?.execution.decisions?.map((d) => `${d.kind}:${d.by}`)).toEqual(["pause:alice"]);
    expect(await parked.pauseRequest(run.runId)).toBeNull();
  });
});
