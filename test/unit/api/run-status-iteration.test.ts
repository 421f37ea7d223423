import { describe, expect, it } from "vitest";
import type { ParkInit } from "../../../src/stores/parked-runs.js";
import type { IterationReport } from "../../../src/run-types.js";
import type { BatchReport } from "../../../src/sdk/protocol.js";
import { runStatusHarness } from "./run-status-harness.js";
import { parkedRecord } from "../../helpers/parked-record.js";

const PREFIX = "{iteration-status-test}";
const AT = "2026-12-06T20:00:05.000Z";

function batch(seq: number, done: number, cursor: unknown = done): BatchReport {
  return { seq, cursor, items: 50, done, startedAt: AT, durationMs: 100, last: false };
}

function report(o: Partial<IterationReport> = {}): IterationReport {
  return {
    batchSize: 50,
    total: 1000,
    checkpoint: { seq: 8, done: 400, cursor: "400", at: AT },
    inFlight: null,
    resumedFrom: null,
    paused: false,
    finished: false,
    refused: 0,
    ...o,
  };
}

function parkInit(runId: string, over: Partial<ParkInit>): ParkInit {
  return parkedRecord(runId, { kind: "paused", requestedBy: "alice", ...over });
}

describe("GET /api/runs/<id> of an iteration", () => {
  const r = runStatusHarness(PREFIX);
  const { status, until } = r;

  it("running: items done of the total, the checkpoint (cursor shown cut), the batch in flight, the rate; then the pause asked and not yet taken", async () => {
    const hostile = `</script>[x](javascript:alert(1))${"y".repeat(10_000)}`;
    const run = await r.pipeline.add("scripts/backfill.ts", {
      execute: { kind: "hold" },
      iteration: {
        batchSize: 50,
        live: [
          { type: "progress", done: 0, total: 1000 },
          { type: "batch", report: batch(1, 50, hostile) },
          { type: "progress", done: 62, total: 1000 },
        ],
      },
    });
    const view = await until(run, "running", (v) => v.iteration !== undefined);
    expect(view.iteration).toMatchObject({ batch_size: 50, total: 1000, done: 62, in_flight: { seq: 2, from: 51, items: 12 }, finished: false });
    expect(view.iteration!.checkpoint).toMatchObject({ seq: 1, done: 50 });
    expect(view.iteration!.checkpoint!.cursor.length).toBeLessThanOrEqual(200);
    expect(view.iteration!.checkpoint!.cursor.startsWith(JSON.stringify(hostile).slice(0, 50))).toBe(true);
    expect(view.iteration!.rate === null || view.iteration!.rate > 0).toBe(true);
    expect(view).not.toHaveProperty("pause_requested");

    const asked = { kind: "pause" as const, by: "ana", via: "page" as const, at: "2026-12-06T20:01:00.000Z" };
    expect((await r.parked.requestPause(run, asked)).ok).toBe(true);
    const pausing = await status(run);
    expect(pausing.status).toBe("running");
    expect(pausing.pause_requested).toEqual({ by: "ana", at: asked.at });
    expect(pausing.decisions).toEqual([asked]);
    r.pipeline.release(run);
  });

  it("paused: since when and who asked, and the iteration where its last checkpoint left it", async () => {
    const saved = report({ paused: true });
    const run = await r.pipeline.add("scripts/paused.ts", { execute: { kind: "wait", reason: "parked" } });
    await until(run, "waiting");
    // The fake step waits without starting: the ledger's checkpoint is saved here as the real one's first process would have.
    await r.pipeline.ledger.saveCheckpoint(run, 1, { seq: 8, done: 400, cursor: 400, at: AT }, saved);
    await r.parked.requestPause(run, { kind: "pause", by: "ana", via: "api", at: "2026-12-06T20:01:00.000Z" });
    const since = "2026-12-06T20:01:02.000Z";
    await r.parked.park(parkInit(run, { since }));
    await r.parked.clearPauseRequest(run);
    const view = await status(run);
    expect(view.status).toBe("paused");
    expect(view.paused).toEqual({ since, by: "ana" });
    expect(view.waiting_reason).toMatch(/paused/);
    expect(view.iteration).toEqual({
      batch_size: 50,
      total: 1000,
      done: 400,
      rate: null,
      eta_ms: null,
      checkpoint: { seq: 8, done: 400, cursor: "400", at: AT },
      in_flight: null,
      finished: false,
    });
    expect(view).not.toHaveProperty("pause_requested");
  });

  it("interrupted (its worker lost): no step, since when, its failure; the batch in flight from the ledger", async () => {
    const saved = report({ inFlight: { seq: 9, from: 401, items: 17 } });
    const run = await r.pipeline.add("scripts/lost-iteration.ts", {
      execute: { kind: "crash" },
      iteration: { saved: { checkpoint: { seq: 8, done: 400, cursor: 400, at: AT }, report: saved } },
    });
    await until(run, "lost");
    const since = new Date().toISOString();
    await r.parked.park(parkInit(run, { kind: "interrupted", since, failure: "item 417 threw: boom" }));
    const view = await status(run);
    expect(view.status).toBe("interrupted");
    expect(view.interrupted).toEqual({ step: null, since, failure: "item 417 threw: boom" });
    expect(view.iteration).toMatchObject({ done: 417, checkpoint: { seq: 8, done: 400 }, in_flight: { seq: 9, from: 401, items: 17 }, finished: false });
  });

  it("finished: the recorded iteration, every item done", async () => {
    const recorded = report({ checkpoint: { seq: 20, done: 1000, cursor: "1000", at: AT }, finished: true });
    const run = await r.pipeline.add("scripts/done-iteration.ts", { execute: { kind: "finish", status: "succeeded" }, iteration: { recorded } });
    const view = await until(run, "succeeded");
    expect(view.iteration).toMatchObject({ done: 1000, total: 1000, finished: true, in_flight: null, rate: null });
  });

  it("any other script has no iteration, and no pause request shows for it", async () => {
    const run = await r.pipeline.add("scripts/plain.ts", { execute: { kind: "finish", status: "succeeded" } });
    await r.parked.requestPause(run, { kind: "pause", by: "mallory", via: "api", at: AT });
    const view = await until(run, "succeeded");
    expect(view).not.toHaveProperty("iteration");
    expect(view).not.toHaveProperty("pause_requested");
  });
});
