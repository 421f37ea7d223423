import { describe, expect, test } from "vitest";
import type { IterationReport } from "../../../src/run-types.js";
import { iterationVerdict } from "../../../src/runner/iteration-verdict.js";

const record = (over: Partial<IterationReport> = {}): IterationReport => ({
  batchSize: 100,
  total: null,
  checkpoint: null,
  inFlight: null,
  resumedFrom: null,
  paused: false,
  finished: false,
  refused: 0,
  ...over,
});
const clean = { status: "succeeded" as const, message: null };
const at = (seq: number, done: number) => ({ last: { seq, done }, reportedAfterEnd: false });

describe("iterationVerdict", () => {
  test("a clean exit: paused, succeeded, or failed when it stopped before its collection was done", () => {
    expect(iterationVerdict(record({ paused: true }), clean, at(8, 400))).toEqual({ status: "paused", message: "paused after item 400 (batch 8)" });
    expect(iterationVerdict(record({ finished: true }), clean, at(9, 450))).toEqual(clean);
    expect(iterationVerdict(record(), clean, at(3, 300))).toEqual({
      status: "failed",
      message: "the script exited before its iteration finished, its last checkpoint after item 300 (batch 3)",
    });
    expect(iterationVerdict(record(), clean, at(0, 0))).toEqual({
      status: "failed",
      message: "the script exited before its iteration finished, with no batch checkpointed",
    });
  });

  test("a script that went on after it was told to stop failed, paused or not", () => {
    expect(iterationVerdict(record({ paused: true }), clean, { last: { seq: 2, done: 20 }, reportedAfterEnd: true }).status).toBe("failed");
    expect(iterationVerdict(record({ finished: true }), clean, { last: { seq: 2, done: 20 }, reportedAfterEnd: true })).toEqual({
      status: "failed",
      message: "the iteration reported its last batch after item 20 (batch 2), then reported more batches (refused): it must stop there",
    });
  });

  test("a failure, timeout, cancellation or lost claim keeps the process's judgement, even after a pause ack", () => {
    for (const process of [
      { status: "failed" as const, message: "item 137 threw: boom" },
      { status: "timed_out" as const, message: "timed out after 60 s" },
      { status: "cancelled" as const, message: "cancelled by @alice" },
      { status: "lost" as const, message: "the worker could not renew its claim" },
    ]) {
      expect(iterationVerdict(record({ paused: true }), process, at(1, 100))).toEqual(process);
    }
  });
});
