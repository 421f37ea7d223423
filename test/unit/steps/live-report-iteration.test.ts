import type { Job } from "bullmq";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { readLiveState, type LiveState } from "../../../src/pipeline/live-state.js";
import { liveReport } from "../../../src/steps/live-report.js";
import type { BatchReport } from "../../../src/sdk/protocol.js";

function fakeJob() {
  const progress: unknown[] = [];
  const job = { updateProgress: async (value: unknown) => void progress.push(JSON.parse(JSON.stringify(value))), log: async () => undefined };
  return { job: job as unknown as Job, progress, state: (): LiveState => readLiveState(progress.at(-1)) };
}

const T0 = Date.parse("2026-12-06T20:00:00Z");

function batch(seq: number, done: number, o: Partial<BatchReport> = {}): BatchReport {
  return { seq, cursor: done, items: 50, done, startedAt: new Date(T0).toISOString(), durationMs: 100, last: false, ...o };
}

describe("liveReport of an iteration", () => {
  let clock = T0;
  beforeEach(() => {
    vi.useFakeTimers();
    clock = T0;
  });
  afterEach(() => vi.useRealTimers());

  it("folds batches and progress into the iteration's state: done, checkpoint, batch in flight, rate and ETA", async () => {
    const { job, state } = fakeJob();
    const live = liveReport(job, { attempt: 1, iteration: { batchSize: 50 }, now: () => clock });
    live.onReport({ type: "progress", done: 0, total: 1000 });
    clock += 5_000;
    live.onReport({ type: "batch", report: batch(1, 50, { cursor: { id: "u-50" } }) });
    live.onReport({ type: "progress", done: 60, total: 1000 });
    clock += 1_000;
    await live.flush();
    expect(state().iteration).toEqual({
      batchSize: 50,
      total: 1000,
      done: 60,
      checkpoint: { seq: 1, done: 50, cursor: '{"id":"u-50"}', at: new Date(T0 + 5_000).toISOString() },
      inFlight: { seq: 2, from: 51, items: 10 },
      rate: 10,
      etaMs: 94_000,
    });
    // The plain progress fields stay, for every reader that knows no iteration.
    expect(state()).toMatchObject({ done: 60, total: 1000, percent: 6 });
  });

  it("goes on from the checkpoint a resumed process starts at: its rate is its own", async () => {
    const { job, state } = fakeJob();
    const start = { seq: 4, done: 200 };
    const live = liveReport(job, {
      attempt: 2,
      iteration: { batchSize: 50, start, checkpoint: { seq: 4, done: 200, cursor: "200", at: "x" } },
      now: () => clock,
    });
    clock += 2_000;
    live.onReport({ type: "batch", report: batch(5, 250) });
    await live.flush();
    expect(state().iteration).toMatchObject({ done: 250, inFlight: null, rate: 25, checkpoint: { seq: 5, done: 250, cursor: "250" } });
  });

  it("starts an iteration's state from its first batch when it was not told it is one", async () => {
    const { job, state } = fakeJob();
    const live = liveReport(job, { attempt: 1, now: () => clock });
    clock += 1_000;
    live.onReport({ type: "batch", report: batch(1, 20, { items: 20 }) });
    await live.flush();
    expect(state().iteration).toMatchObject({ batchSize: 20, done: 20, checkpoint: { seq: 1, done: 20 } });
  });

  it("shows a hostile cursor cut to one line, and who asked to pause", async () => {
    const { job, state } = fakeJob();
    const live = liveReport(job, { attempt: 1, iteration: { batchSize: 50 }, now: () => clock });
    live.onReport({ type: "batch", report: batch(1, 50, { cursor: `</script>\n[x](javascript:alert(1))${"y".repeat(10_000)}` }) });
    live.pauseRequested("ana");
    await live.flush();
    const shown = state().iteration!;
    expect(shown.checkpoint!.cursor.length).toBeLessThanOrEqual(200);
    expect(shown.checkpoint!.cursor).not.toMatch(/\n/);
    expect(shown.pauseRequestedBy).toBe("ana");
  });

  it("has no iteration state for any other script", async () => {
    const { job, state } = fakeJob();
    const live = liveReport(job, { attempt: 1 });
    live.onReport({ type: "progress", done: 3, total: 4 });
    live.pauseRequested("ana");
    await live.flush();
    expect(state().iteration).toBeUndefined();
  });
});
