import { describe, expect, it } from "vitest";
import { iterationProgress, readIterationLive, shownCursor, type IterationFacts } from "../../../src/pipeline/iteration-progress.js";
import { MAX_SHOWN_CURSOR_CHARS } from "../../../src/run-types.js";

const T0 = Date.parse("2026-12-06T20:00:00Z");

function facts(o: Partial<IterationFacts> = {}): IterationFacts {
  return { batchSize: 50, total: 1000, start: { seq: 0, done: 0 }, checkpoint: null, processed: 0, startedAtMs: T0, nowMs: T0, ...o };
}

const checkpoint = (seq: number, done: number) => ({ seq, done, cursor: String(done), at: "2026-12-06T20:00:05.000Z" });

describe("iterationProgress", () => {
  it("has no rate and no ETA before this process processed an item", () => {
    expect(iterationProgress(facts({ nowMs: T0 + 5_000 }))).toEqual({
      batchSize: 50,
      total: 1000,
      done: 0,
      checkpoint: null,
      inFlight: null,
      rate: null,
      etaMs: null,
    });
  });

  it("works out the rate over this process's time, the ETA from the items left, and the batch in flight past the checkpoint", () => {
    // 412 items in 10 s: 41.2 items/s; 588 left: 14.27 s.
    const live = iterationProgress(facts({ checkpoint: checkpoint(8, 400), processed: 412, nowMs: T0 + 10_000 }));
    expect(live).toMatchObject({ done: 412, rate: 41.2, etaMs: Math.round((588 / 41.2) * 1000), inFlight: { seq: 9, from: 401, items: 12 } });
  });

  it("counts a resumed process's rate from its own items only, and numbers its batches on from where it went on", () => {
    const live = iterationProgress(facts({ start: { seq: 10, done: 500 }, checkpoint: checkpoint(10, 500), processed: 20, nowMs: T0 + 2_000 }));
    expect(live).toMatchObject({ done: 520, rate: 10, etaMs: 48_000, inFlight: { seq: 11, from: 501, items: 20 } });
  });

  it("has a rate but no ETA without a total", () => {
    const live = iterationProgress(facts({ total: null, processed: 30, nowMs: T0 + 3_000 }));
    expect(live).toMatchObject({ total: null, done: 30, rate: 10, etaMs: null, inFlight: { seq: 1, from: 1, items: 30 } });
  });

  it("has no batch in flight right after a checkpoint, and an ETA of 0 once every item is done", () => {
    const live = iterationProgress(facts({ checkpoint: checkpoint(20, 1000), processed: 1000, nowMs: T0 + 20_000 }));
    expect(live).toMatchObject({ done: 1000, inFlight: null, etaMs: 0 });
  });

  it("keeps a lying script's numbers in range: never below the checkpoint, never past the total, no rate from a clock gone back", () => {
    expect(iterationProgress(facts({ checkpoint: checkpoint(2, 100), processed: -40, nowMs: T0 + 1_000 }))).toMatchObject({
      done: 100,
      inFlight: null,
      rate: null,
    });
    expect(iterationProgress(facts({ processed: 5_000, nowMs: T0 + 1_000 }))).toMatchObject({ done: 1000, etaMs: 0 });
    expect(iterationProgress(facts({ processed: 10, nowMs: T0 - 1_000 }))).toMatchObject({ rate: null, etaMs: null });
  });

  it("says who asked it to pause", () => {
    expect(iterationProgress(facts({ pauseRequestedBy: "ana" })).pauseRequestedBy).toBe("ana");
  });
});

describe("shownCursor", () => {
  it("shows a cursor as one line of JSON, cut", () => {
    expect(shownCursor({ id: 42 })).toBe('{"id":42}');
    expect(shownCursor("a\nb")).toBe('"a\\nb"');
    const long = shownCursor("x".repeat(10_000));
    expect(long).toHaveLength(MAX_SHOWN_CURSOR_CHARS);
    expect(long.endsWith("…")).toBe(true);
  });
});

describe("readIterationLive", () => {
  it("reads back what iterationProgress made, and refuses what is not one", () => {
    const live = iterationProgress(facts({ checkpoint: checkpoint(8, 400), processed: 412, nowMs: T0 + 10_000, pauseRequestedBy: "ana" }));
    expect(readIterationLive(JSON.parse(JSON.stringify(live)))).toEqual(live);
    expect(readIterationLive(null)).toBeNull();
    expect(readIterationLive({ batchSize: "50", done: 1 })).toBeNull();
    expect(readIterationLive({ batchSize: 50, done: 1, checkpoint: { seq: 1 }, inFlight: { seq: -1, from: 1, items: 1 }, rate: -3 })).toEqual({
      batchSize: 50,
      total: null,
      done: 1,
      checkpoint: null,
      inFlight: null,
      rate: null,
      etaMs: null,
    });
  });
});
