import { describe, expect, it } from "vitest";
import { DEFAULT_KILL_GRACE_MS, killGraceMs, MAX_KILL_GRACE_MS } from "../../../src/runner/kill-grace.js";

const step = (rollback: boolean, timeoutMs: number) => ({ name: `s${timeoutMs}`, rollback, timeoutMs });

describe("killGraceMs", () => {
  it("gives a script that is not a workflow the default", () => {
    expect(killGraceMs(null)).toBe(DEFAULT_KILL_GRACE_MS);
    expect(killGraceMs(undefined)).toBe(DEFAULT_KILL_GRACE_MS);
  });

  it("gives a workflow the timeouts of its steps that have a rollback, plus the default", () => {
    expect(killGraceMs({ steps: [step(true, 1000), step(false, 60_000), step(true, 2500)] })).toBe(3500 + DEFAULT_KILL_GRACE_MS);
    expect(killGraceMs({ steps: [step(false, 60_000)] })).toBe(DEFAULT_KILL_GRACE_MS);
  });

  it("is at most an hour", () => {
    expect(killGraceMs({ steps: Array.from({ length: 50 }, (_, i) => step(true, 5 * 60_000 + i)) })).toBe(MAX_KILL_GRACE_MS);
    expect(MAX_KILL_GRACE_MS).toBe(3_600_000);
  });
});
