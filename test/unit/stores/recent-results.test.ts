import { describe, expect, it, vi } from "vitest";
import { RecentResults } from "../../../src/stores/recent-results.js";

describe("RecentResults", () => {
  it("shares a lookup in flight and its result until it expires", async () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    try {
      const recent = new RecentResults<number>(1000);
      let calls = 0;
      const lookup = async () => ++calls;
      const [a, b] = await Promise.all([recent.get("k", lookup), recent.get("k", lookup)]);
      expect([a, b, calls]).toEqual([1, 1, 1]);
      expect(await recent.get("other", lookup)).toBe(2);
      vi.advanceTimersByTime(999);
      expect(await recent.get("k", lookup)).toBe(1);
      vi.advanceTimersByTime(2);
      expect(await recent.get("k", lookup)).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it("does not keep a failure: the next caller looks again", async () => {
    const recent = new RecentResults<string>(60_000);
    await expect(recent.get("k", () => Promise.reject(new Error("502")))).rejects.toThrow("502");
    expect(await recent.get("k", async () => "ok")).toBe("ok");
  });
});
