import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { STOP_SETTLE_MS, StepTimer } from "../../../src/sdk/step-timer.js";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const never = (): Promise<never> => new Promise(() => {});

describe("StepTimer", () => {
  test("work that settles in time: its value or its error", async () => {
    const timer = new StepTimer(1000, null);
    await expect(timer.race(() => 42)).resolves.toEqual({ kind: "returned", value: 42 });
    const error = new Error("boom");
    await expect(
      timer.race(() => {
        throw error;
      }),
    ).resolves.toEqual({ kind: "threw", error });
    await expect(timer.race(() => Promise.reject(error))).resolves.toEqual({ kind: "threw", error });
    timer.dispose();
  });

  test("work that hangs is left at the deadline, and its signal aborts", async () => {
    const timer = new StepTimer(1000, null);
    const raced = timer.race(never);
    await vi.advanceTimersByTimeAsync(999);
    expect(timer.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(raced).resolves.toEqual({ kind: "unsettled" });
    expect(timer.expired).toBe(true);
    expect(timer.signal.aborted).toBe(true);
    // Past the deadline, synchronous work still runs and counts.
    await expect(timer.race(() => "late")).resolves.toEqual({ kind: "returned", value: "late" });
    timer.dispose();
  });

  test("the run stopping aborts the step's signal, and the step is waited for STOP_SETTLE_MS at most, not its whole timeout", async () => {
    const run = new AbortController();
    const timer = new StepTimer(60 * 60 * 1000, run.signal);
    const raced = timer.race(never);
    run.abort(new Error("stopped by SIGTERM"));
    expect(timer.signal.aborted).toBe(true);
    expect(timer.stoppedBy).toBe("stopped by SIGTERM");
    await vi.advanceTimersByTimeAsync(STOP_SETTLE_MS - 1);
    let settled = false;
    void raced.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(raced).resolves.toEqual({ kind: "unsettled" });
    expect(timer.expired).toBe(false);
    timer.dispose();
  });

  test("a run already stopped: stopped from the start; a rollback's timer has no run signal", () => {
    const run = new AbortController();
    run.abort("cancelled");
    const timer = new StepTimer(1000, run.signal);
    expect(timer.stoppedBy).toBe("cancelled");
    timer.dispose();
    const rollback = new StepTimer(1000, null);
    expect(rollback.stoppedBy).toBeNull();
    rollback.dispose();
  });
});
