import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { currentClaim, type Claim } from "../../../src/runner/claim.js";
import { JobClaims } from "../../../src/runner/job-claims.js";

const LOCK_MS = 8000;

/** Holds job `id` (active since `activatedAgoMs`) and hands its claim to `use` inside the hold. */
async function holding(claims: JobClaims, id: string, activatedAgoMs: number, use: (claim: Claim) => Promise<void>): Promise<void> {
  await claims.hold({ id, processedOn: Date.now() - activatedAgoMs }, async () => use(currentClaim()!));
}

describe("JobClaims", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["performance", "Date"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test("asks BullMQ to renew every lockMs/16 at most", () => {
    expect(new JobClaims(LOCK_MS).renewEveryMs).toBe(500);
  });

  test("a job's deadline is 7/8 of a lock after it became active, and no later until a renewal was answered after that", async () => {
    const claims = new JobClaims(LOCK_MS);
    await holding(claims, "a", 500, async (claim) => {
      const activatedAt = performance.now() - 500;
      expect(claim.deadline()).toBe(activatedAt + 7000);
      // The first renewal may have been sent at once: the lock surely lasts from activation only.
      vi.advanceTimersByTime(1000);
      claims.renewed(["a"]);
      expect(claim.deadline()).toBe(activatedAt + 7000);
      const firstAnswer = performance.now();
      // The second was sent after the first was answered.
      vi.advanceTimersByTime(1000);
      claims.renewed(["a"]);
      expect(claim.deadline()).toBe(firstAnswer + 7000);
    });
  });

  test("a slow renewal cannot push the deadline past what the lock surely lasts", async () => {
    const claims = new JobClaims(LOCK_MS);
    await holding(claims, "a", 0, async (claim) => {
      vi.advanceTimersByTime(1000);
      claims.renewed(["a"]);
      const previousAnswer = performance.now();
      // Answered 5 s after the previous one: it may have been sent right after it.
      vi.advanceTimersByTime(5000);
      claims.renewed(["a"]);
      expect(claim.deadline()).toBe(previousAnswer + 7000);
      expect(claim.deadline() - performance.now()).toBe(2000);
    });
  });

  test("tells each listener when the deadline moves, and a lost lock ends the claim at once", async () => {
    const claims = new JobClaims(LOCK_MS);
    await holding(claims, "a", 0, async (claim) => {
      const seen: number[] = [];
      const unsubscribe = claim.onChange(() => seen.push(claim.deadline()));
      claims.renewed(["a", "other"]);
      claims.lost(["a"]);
      expect(seen).toHaveLength(2);
      expect(seen[1]).toBe(-Infinity);
      // Lost stays lost.
      claims.renewed(["a"]);
      expect(claim.deadline()).toBe(-Infinity);
      unsubscribe();
      claims.lost(["a"]);
      expect(seen).toHaveLength(2);
    });
  });

  test("the claim is the job's only while its processor runs, and jobs do not share one", async () => {
    const claims = new JobClaims(LOCK_MS);
    let first: Claim | undefined;
    await holding(claims, "a", 0, async (a) => {
      first = a;
      await holding(claims, "b", 0, async (b) => {
        claims.lost(["b"]);
        expect(b.deadline()).toBe(-Infinity);
        expect(a.deadline()).toBeGreaterThan(performance.now());
      });
    });
    const before = first!.deadline();
    vi.advanceTimersByTime(2000);
    claims.renewed(["a"]);
    claims.renewed(["a"]);
    expect(first!.deadline()).toBe(before);
    expect(currentClaim()).toBeUndefined();
  });
});
