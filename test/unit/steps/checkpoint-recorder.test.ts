import { describe, expect, it } from "vitest";
import type { IterationReport } from "../../../src/run-types.js";
import type { BatchReport } from "../../../src/sdk/protocol.js";
import type { Checkpoint } from "../../../src/stores/execution-ledger.js";
import { checkpointRecorder } from "../../../src/steps/checkpoint-recorder.js";

const batch = (over: Partial<BatchReport> = {}): BatchReport => ({
  seq: 3,
  cursor: { id: 150, secret: "raw" },
  items: 50,
  done: 150,
  startedAt: "2026-12-01T10:00:00.000Z",
  durationMs: 40,
  last: false,
  ...over,
});
const record: IterationReport = {
  batchSize: 50,
  total: 1000,
  checkpoint: { seq: 3, done: 150, cursor: '{"id":150,"secret":"[REDACTED]"}', at: "2026-12-01T10:00:00.040Z" },
  inFlight: null,
  resumedFrom: null,
  paused: false,
  finished: false,
  refused: 0,
};
const AT = Date.parse("2026-12-01T10:00:00.050Z");

describe("checkpointRecorder", () => {
  it("saves the batch's raw cursor and count with the record, then answers the pause asked for", async () => {
    const events: string[] = [];
    const saved: [Checkpoint, IterationReport][] = [];
    let request: unknown = null;
    const onBatch = checkpointRecorder({
      save: async (checkpoint, report) => {
        events.push("save");
        saved.push([checkpoint, report]);
      },
      pauseRequest: async () => {
        events.push("look");
        return request;
      },
      now: () => AT,
    });
    expect(await onBatch(batch(), record)).toEqual({ pause: false });
    expect(saved).toEqual([[{ seq: 3, done: 150, cursor: { id: 150, secret: "raw" }, at: "2026-12-01T10:00:00.050Z" }, record]]);
    request = { kind: "pause", by: "carol", via: "api", at: "2026-12-01T10:00:00.045Z" };
    expect(await onBatch(batch({ seq: 4, done: 200 }), record)).toEqual({ pause: true });
    // The checkpoint is saved before the request is looked at: a paused run goes on after its last batch.
    expect(events).toEqual(["save", "look", "save", "look"]);
  });

  it("answers a pause asked during the last batch as asked (the script finishes, saying it came too late), and none when none was", async () => {
    let request: unknown = { kind: "pause", by: "carol" };
    const onBatch = checkpointRecorder({ save: async () => undefined, pauseRequest: async () => request, now: () => AT });
    expect(await onBatch(batch({ last: true, items: 7, done: 1000 }), record)).toEqual({ pause: true });
    request = null;
    expect(await onBatch(batch({ last: true, items: 7, done: 1000 }), record)).toEqual({ pause: false });
  });

  it("tries a refused save again with backoff, and rejects (no ack, no pause looked for) once it never lands", async () => {
    let calls = 0;
    const flaky = checkpointRecorder({
      save: async () => {
        if (++calls < 3) throw new Error("LOADING Redis is loading the dataset in memory");
      },
      pauseRequest: async () => null,
      retryDelaysMs: [1, 1, 1],
    });
    expect(await flaky(batch(), record)).toEqual({ pause: false });
    expect(calls).toBe(3);

    let looked = false;
    const gone = checkpointRecorder({
      save: async () => {
        throw new Error("connection refused");
      },
      pauseRequest: async () => {
        looked = true;
        return null;
      },
      retryDelaysMs: [1, 1],
    });
    await expect(gone(batch(), record)).rejects.toThrow("connection refused");
    expect(looked).toBe(false);
  });

  it("goes on when the pause request cannot be read after the checkpoint was saved: it is answered at the next one", async () => {
    const onBatch = checkpointRecorder({
      save: async () => undefined,
      pauseRequest: async () => {
        throw new Error("READONLY");
      },
    });
    expect(await onBatch(batch(), record)).toEqual({ pause: false });
  });
});
