import { describe, expect, it } from "vitest";
import { statusWord } from "../../../src/chores/run-status-word.js";

describe("statusWord", () => {
  it("says a final status as the run log does", () => {
    for (const status of ["succeeded", "failed", "timed_out", "cancelled", "lost", "refused"] as const) {
      expect(statusWord({ status })).toEqual({ word: status, final: true, detail: null });
    }
  });

  it("says a live run is queued or running, with what it waits for or does", () => {
    expect(statusWord({ status: "queued", waiting_reason: null })).toEqual({ word: "queued", final: false, detail: null });
    expect(statusWord({ status: "waiting", waiting_reason: "waiting for a worker" })).toEqual({
      word: "waiting",
      final: false,
      detail: "waiting for a worker",
    });
    expect(statusWord({ status: "waiting" })).toEqual({ word: "waiting", final: false, detail: "waiting for its turn" });
    expect(statusWord({ status: "running" })).toEqual({ word: "running", final: false, detail: null });
    expect(statusWord({ status: "recording" })).toEqual({ word: "running", final: false, detail: "the script has ended; its log is being recorded" });
  });

  it("says an interrupted run is not over: its attempt is recorded, but it waits for a person", () => {
    expect(statusWord({ status: "interrupted", waiting_reason: null })).toEqual({
      word: "interrupted",
      final: false,
      detail: "waits for a person's Resume or Roll back",
    });
    expect(statusWord({ status: "interrupted", waiting_reason: "was interrupted at step charge" })).toMatchObject({
      final: false,
      detail: "was interrupted at step charge",
    });
  });

  it("leaves a parked run's line empty: its panel says what it waits for, once", () => {
    const waiting = { signal: "approval", step: null, deadline: "2026-12-08T10:00:00.000Z" } as never;
    expect(statusWord({ status: "waiting", waiting_reason: "waits for 1 approval until 2026-12-08T10:00:00.000Z", waiting })).toEqual({
      word: "waiting",
      final: false,
      detail: null,
    });
    expect(statusWord({ status: "interrupted", waiting_reason: "x", interrupted: { step: "charge", since: "2026-12-06T10:00:00.000Z" } })).toMatchObject({
      detail: null,
    });
  });
});
