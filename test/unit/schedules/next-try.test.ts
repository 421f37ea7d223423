import { describe, expect, it } from "vitest";
import { MAX_RETRY_DELAY_MS, nextTry, retryDelayMs } from "../../../src/schedules/next-try.js";
import type { RetryOn } from "../../../src/sdk/protocol.js";

const schedule = (o: { attempts?: number; backoff?: "fixed" | "exponential"; delayMs?: number; retryOn?: RetryOn[] } = {}) => ({
  retries: { attempts: o.attempts ?? 3, backoff: o.backoff ?? "fixed", delayMs: o.delayMs ?? 60_000 },
  retryOn: o.retryOn ?? (["failed"] as RetryOn[]),
});

describe("nextTry", () => {
  it("retries a failed try while tries remain, the first try included in `attempts`", () => {
    expect(nextTry(schedule({ attempts: 3 }), { attempt: 1, status: "failed" })).toEqual({ attempt: 2, delayMs: 60_000 });
    expect(nextTry(schedule({ attempts: 3 }), { attempt: 2, status: "failed" })).toEqual({ attempt: 3, delayMs: 60_000 });
    expect(nextTry(schedule({ attempts: 3 }), { attempt: 3, status: "failed" })).toBeNull();
    // attempts: 2 is one try and one retry; attempts: 1 is no retry at all.
    expect(nextTry(schedule({ attempts: 2 }), { attempt: 2, status: "failed" })).toBeNull();
    expect(nextTry(schedule({ attempts: 1 }), { attempt: 1, status: "failed" })).toBeNull();
  });

  it("never retries a success", () => {
    expect(nextTry(schedule(), { attempt: 1, status: "succeeded" })).toBeNull();
  });

  it("retries timed_out and lost only when retryOn lists them: they may have done part of their work", () => {
    for (const status of ["timed_out", "lost"] as const) {
      expect(nextTry(schedule(), { attempt: 1, status })).toBeNull();
      expect(nextTry(schedule({ retryOn: ["failed", status] }), { attempt: 1, status })).toEqual({ attempt: 2, delayMs: 60_000 });
    }
  });

  it("never retries cancelled or refused, whatever retryOn says", () => {
    const all = schedule({ retryOn: ["failed", "timed_out", "lost", "cancelled", "refused"] as unknown as RetryOn[] });
    expect(nextTry(all, { attempt: 1, status: "cancelled" })).toBeNull();
    expect(nextTry(all, { attempt: 1, status: "refused" })).toBeNull();
  });

  it("waits delay·2^(attempt-1) with exponential backoff, capped at an hour", () => {
    const exp = { attempts: 10, backoff: "exponential" as const, delayMs: 60_000 };
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(exp, attempt))).toEqual([60_000, 120_000, 240_000, 480_000]);
    expect(retryDelayMs(exp, 9)).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelayMs({ ...exp, delayMs: Number.MAX_SAFE_INTEGER }, 5000)).toBe(MAX_RETRY_DELAY_MS);
    expect(nextTry(schedule({ attempts: 10, backoff: "exponential", delayMs: 1000 }), { attempt: 3, status: "failed" })).toEqual({ attempt: 4, delayMs: 4000 });
  });

  it("keeps a fixed delay fixed (and capped)", () => {
    expect(retryDelayMs({ attempts: 5, backoff: "fixed", delayMs: 5000 }, 4)).toBe(5000);
    expect(retryDelayMs({ attempts: 5, backoff: "fixed", delayMs: 10 * MAX_RETRY_DELAY_MS }, 1)).toBe(MAX_RETRY_DELAY_MS);
  });
});
