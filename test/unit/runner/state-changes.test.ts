import { describe, expect, it } from "vitest";
import { MAX_STATE_CHANGES, stateChanges } from "../../../src/runner/state-changes.js";

describe("stateChanges", () => {
  it("lists changed, added and removed paths, member by member, in order", () => {
    const before = { user: { plan: "free", tags: ["a", "b"] }, count: 1, gone: true };
    const after = { user: { plan: "pro", tags: ["a"] }, count: 1, "odd key": null };
    expect(stateChanges(before, after)).toEqual({
      changes: [
        { path: "$.user.plan", before: "free", after: "pro" },
        { path: "$.user.tags[1]", before: "b" },
        { path: "$.gone", before: true },
        { path: '$["odd key"]', after: null },
      ],
      more: 0,
    });
  });

  it("compares values of different kinds as wholes, and nothing when nothing changed", () => {
    expect(stateChanges({ a: [1] }, { a: { 0: 1 } }).changes).toEqual([{ path: "$.a", before: [1], after: { 0: 1 } }]);
    expect(stateChanges(3, "3").changes).toEqual([{ path: "$", before: 3, after: "3" }]);
    expect(stateChanges({ a: { b: [1, { c: 2 }] } }, { a: { b: [1, { c: 2 }] } })).toEqual({ changes: [], more: 0 });
  });

  it("with no state before, lists an object's members as added", () => {
    expect(stateChanges(undefined, { a: 1, b: { c: 2 } }).changes).toEqual([
      { path: "$.a", after: 1 },
      { path: "$.b", after: { c: 2 } },
    ]);
    expect(stateChanges(undefined, [1]).changes).toEqual([{ path: "$", after: [1] }]);
  });

  it("lists at most MAX_STATE_CHANGES and counts the rest; cuts long values", () => {
    const after = Object.fromEntries(Array.from({ length: MAX_STATE_CHANGES + 7 }, (_, i) => [`k${i}`, i]));
    const { changes, more } = stateChanges({}, after);
    expect(changes).toHaveLength(MAX_STATE_CHANGES);
    expect(more).toBe(7);
    const long = stateChanges({ note: "short" }, { note: "x".repeat(5000) }).changes[0]!;
    expect(typeof long.after).toBe("string");
    expect((long.after as string).length).toBeLessThanOrEqual(200);
    expect(long.after).toMatch(/^"x+ \[…\]$/);
  });

  it("keeps a __proto__ key as data", () => {
    const after = JSON.parse('{"__proto__":{"polluted":1}}') as unknown;
    expect(stateChanges({}, after).changes).toEqual([{ path: "$.__proto__", after: { polluted: 1 } }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
