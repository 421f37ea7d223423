import { describe, expect, test } from "vitest";
import type { IterationReport } from "../../../src/run-types.js";
import { IterationRecord } from "../../../src/runner/iteration-record.js";
import { createRedactor } from "../../../src/runner/redact.js";
import { MAX_CURSOR_BYTES, type BatchReport, type IterationDescription } from "../../../src/sdk/protocol.js";

const secret = "sk-iteration-secret-42";
const description: IterationDescription = { batchSize: 10, pauseMs: 0, counted: true, csv: null };
const at = new Date("2026-12-01T10:00:00.000Z");
const record = (extra: Partial<ConstructorParameters<typeof IterationRecord>[0]> = {}) =>
  new IterationRecord({ description, redact: createRedactor([secret]), now: () => at, ...extra });
const batch = (seq: number, over: Partial<BatchReport> = {}): BatchReport => ({
  seq,
  cursor: { id: seq * 10 },
  items: 10,
  done: seq * 10,
  startedAt: at.toISOString(),
  durationMs: 5,
  last: false,
  ...over,
});

describe("IterationRecord", () => {
  test("honest batches become checkpoints, redacted and cut, and the last one acked finishes it", () => {
    const r = record();
    expect(r.add(batch(1, { cursor: { id: 10, token: secret } }))?.checkpoint).toEqual({
      seq: 1,
      done: 10,
      cursor: '{"id":10,"token":"[REDACTED]"}',
      at: at.toISOString(),
    });
    r.acked(false);
    const long = r.add(batch(2, { cursor: "x".repeat(5000) }));
    expect(long?.checkpoint?.cursor).toHaveLength(200);
    expect(long?.checkpoint?.cursor.endsWith("…")).toBe(true);
    r.acked(false);
    expect(r.add(batch(3, { items: 4, done: 24, last: true }))).not.toBeNull();
    expect(r.report().finished).toBe(false);
    r.acked(true);
    // A pause that comes with the last batch is too late: it is finished, not paused.
    expect(r.report()).toMatchObject({ finished: true, paused: false, refused: 0, inFlight: null });
  });

  test("every impossible batch is refused and counted", () => {
    const lies: [string, BatchReport][] = [
      ["seq skips", batch(3, { done: 20 })],
      ["seq repeats", batch(1)],
      ["no items", batch(2, { items: 0, done: 10 })],
      ["more than a batch", batch(2, { items: 11, done: 21 })],
      ["done does not add up", batch(2, { done: 25 })],
      ["cursor unchanged", batch(2, { cursor: { id: 10 } })],
      ["cursor over the limit", batch(2, { cursor: "x".repeat(MAX_CURSOR_BYTES) })],
      ["cursor too deep to redact", batch(2, { cursor: JSON.parse("[".repeat(100) + "]".repeat(100)) as unknown })],
      ["empty last batch moving the cursor", batch(2, { items: 0, done: 10, last: true })],
    ];
    for (const [why, lie] of lies) {
      const r = record();
      r.add(batch(1));
      r.acked(false);
      expect(r.add(lie), why).toBeNull();
      expect(r.report(), why).toMatchObject({ refused: 1, checkpoint: { seq: 1, done: 10 } });
      expect(r.refused(), why).toBe(1);
    }
  });

  test("the first cursor may not be the start cursor (null)", () => {
    expect(record().add(batch(1, { cursor: null }))).toBeNull();
  });

  test("an empty collection: one empty last batch keeping the start cursor finishes it", () => {
    const r = record();
    expect(r.add(batch(1, { items: 0, done: 0, cursor: null, last: true }))).not.toBeNull();
    r.acked(false);
    expect(r.report()).toMatchObject({ finished: true, checkpoint: { seq: 1, done: 0, cursor: "null" } });
  });

  test("nothing after a pause ack or after the last batch, and it is told", () => {
    const paused = record();
    paused.add(batch(1));
    paused.acked(true);
    expect(paused.add(batch(2))).toBeNull();
    expect(paused.report()).toMatchObject({ paused: true, finished: false, refused: 1 });
    expect(paused.reportedAfterEnd()).toBe(true);

    const finished = record();
    finished.add(batch(1, { last: true }));
    expect(finished.add(batch(2))).toBeNull();
    expect(finished.reportedAfterEnd()).toBe(true);
  });

  test("the batch in flight comes from progress, bounded by a batch", () => {
    const r = record();
    r.progress(0, 1000);
    expect(r.report()).toMatchObject({ inFlight: null, total: 1000 });
    r.progress(4, 1000);
    expect(r.report().inFlight).toEqual({ seq: 1, from: 1, items: 4 });
    r.add(batch(1));
    r.acked(false);
    expect(r.report().inFlight).toBeNull();
    r.progress(13, null);
    expect(r.report()).toMatchObject({ inFlight: { seq: 2, from: 11, items: 3 }, total: 1000 });
    r.progress(10_000, null);
    expect(r.report().inFlight).toEqual({ seq: 2, from: 11, items: 10 });
  });

  test("a process that goes on numbers on from the resumption and keeps the earlier record", () => {
    const earlier: IterationReport = {
      batchSize: 10,
      total: 100,
      checkpoint: { seq: 4, done: 40, cursor: '{"id":40}', at: "2026-11-30T10:00:00.000Z" },
      inFlight: null,
      resumedFrom: null,
      paused: true,
      finished: false,
      refused: 2,
    };
    const r = record({ earlier, resume: { seq: 4, done: 40, cursor: { id: 40 } } });
    expect(r.report()).toMatchObject({ checkpoint: earlier.checkpoint, resumedFrom: { seq: 4, done: 40 }, paused: false, total: 100, refused: 2 });
    // From 1 again, or the cursor it went on from: refused.
    expect(r.add(batch(1))).toBeNull();
    expect(r.add(batch(5, { done: 50, cursor: { id: 40 } }))).toBeNull();
    expect(r.add(batch(5, { done: 50 }))?.checkpoint).toMatchObject({ seq: 5, done: 50 });
    expect(r.report().refused).toBe(4);
    expect(r.refused()).toBe(2);
  });

  test("an earlier record without a resumption is ignored: a fresh start", () => {
    const r = record({ earlier: { batchSize: 10, total: 5, checkpoint: null, inFlight: null, resumedFrom: null, paused: false, finished: false, refused: 7 } });
    expect(r.report()).toMatchObject({ refused: 0, total: null, resumedFrom: null });
  });
});
