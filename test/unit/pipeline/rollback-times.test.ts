import { describe, expect, it } from "vitest";
import { RollbackTimes } from "../../../src/pipeline/rollback-times.js";
import { DEFAULT_KILL_GRACE_MS } from "../../../src/runner/kill-grace.js";

describe("RollbackTimes", () => {
  it("counts the longest kill grace of the scripts running, beyond a plain script's, until each is untracked", () => {
    const times = new RollbackTimes();
    expect(times.extraMs()).toBe(0);
    const plain = times.track(DEFAULT_KILL_GRACE_MS);
    const short = times.track(DEFAULT_KILL_GRACE_MS + 10_000);
    const long = times.track(DEFAULT_KILL_GRACE_MS + 60_000);
    expect(times.extraMs()).toBe(60_000);
    long();
    expect(times.extraMs()).toBe(10_000);
    short();
    plain();
    expect(times.extraMs()).toBe(0);
  });
});
