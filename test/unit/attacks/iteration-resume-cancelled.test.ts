import { describe, expect, it } from "vitest";
import type { ExecutionResult, IterationReport } from "../../../src/run-types.js";
import type { Checkpoint, ExecutionLedger } from "../../../src/stores/execution-ledger.js";
import { iterationStepHarness, startIteration, WatchedParkedRuns } from "./iteration-step-harness.js";

// A paused iteration that a person resumed, then another cancelled before the resumed process
// started (its job not picked up yet, or waiting for its lock or a freeze), was recorded
// "cancelled by erin before it started": false, its first process had processed items, and
// that sentence went into the committed log's front matter and the API. Its log also lost what
// the paused process printed, and how far it got.
const h = iterationStepHarness();

/** Runs the iteration until it is parked paused after its first checkpoint. */
async function pausedAfterFirstBatch() {
  const parked = new WatchedParkedRuns(h.q.redis, h.q.prefix);
  // A person asks for a pause once its first batch is checkpointed: it pauses there.
  const pausing = Object.assign(Object.create(h.ledger) as ExecutionLedger, {
    saveCheckpoint: async (runId: string, attempt: number, checkpoint: Checkpoint, report: IterationReport) => {
      await h.ledger.saveCheckpoint(runId, attempt, checkpoint, report);
      if (checkpoint.seq === 1) await parked.requestPause(runId, { kind: "pause", by: "fred", via: "api", at: at() });
    },
  });
  const paused = parked.nextPark();
  const run = await startIteration(h, { parked, ledger: pausing, recheckMs: 100 });
  expect(await paused).toMatchObject({ kind: "paused" });
  const done = (await h.ledger.read(run.runId)).iteration?.checkpoint.done ?? 0;
  expect(done).toBeGreaterThan(0);
  return { parked, runId: run.runId, done, settled: run.settled };
}

const at = () => new Date().toISOString();

/** What the paused process did is in the record its log is written from: its output, up to where it paused, and how far it got. */
function expectWhatRanBefore(execution: ExecutionResult | undefined, done: number) {
  const printed = execution?.output.lines.map((line) => line.text) ?? [];
  expect(printed.filter((text) => text.startsWith("item "))).toEqual(Array.from({ length: done }, (_, i) => `item ${i + 1}`));
  expect(printed.at(-1)).toMatch(/^── paused by fred after \d+ items; ended there at .+, without going on ──$/);
  expect(execution?.report?.iteration).toMatchObject({ checkpoint: { done } });
  expect(Date.parse(execution!.startedAt)).toBeLessThan(Date.parse(execution!.finishedAt));
}

describe("a paused iteration resumed, then cancelled before the resumed process started", () => {
  it("is recorded cancelled, saying how many items were processed before: not 'before it started', and keeps what ran", async () => {
    const { parked, runId, done, settled } = await pausedAfterFirstBatch();

    // Resume taken (its wake not come yet), then a cancel: the resumed process never starts.
    expect((await parked.decide(runId, { kind: "resume", by: "fred", via: "api", at: at() })).ok).toBe(true);
    await h.cancellations.request(runId, "erin");
    const run = await settled;
    expect(run.state).toBe("completed");

    const execution = (await h.outcomes.load(runId, 1))?.execution;
    expect(execution?.status).toBe("cancelled");
    expect(execution?.message).not.toMatch(/before it started/);
    expect(execution?.message).toBe(`cancelled by erin before it went on (${done} items were processed before)`);
    expectWhatRanBefore(execution, done);
    // Nothing more ran: the checkpoint stands where the pause left it.
    expect((await h.ledger.read(runId)).iteration?.checkpoint.done).toBe(done);
    expect(await parked.read(runId)).toBeNull();
  });
});

describe("a paused iteration cancelled", () => {
  it("keeps what its process printed and how far it got for its log", async () => {
    const { parked, runId, done, settled } = await pausedAfterFirstBatch();
    expect((await parked.decide(runId, { kind: "cancel", by: "erin", via: "api", at: at() })).ok).toBe(true);
    const run = await settled;
    expect(run.state).toBe("completed");
    const execution = (await h.outcomes.load(runId, 1))?.execution;
    expect(execution?.status).toBe("cancelled");
    expect(execution?.message).toBe(`cancelled by erin while paused after ${done} items; nothing more was processed`);
    expectWhatRanBefore(execution, done);
  });
});
