import { describe, expect, it } from "vitest";
import { ConnectionLimit } from "../../../../src/chores/live/connection-limit.js";

describe("ConnectionLimit", () => {
  it("gives each user so many places, and so many in all, each given back once", () => {
    const limit = new ConnectionLimit({ perUser: 2, total: 3 });
    const a1 = limit.acquire("alice")!;
    const a2 = limit.acquire("alice")!;
    expect(limit.acquire("alice")).toBeNull();
    const b1 = limit.acquire("bob")!;
    expect(limit.acquire("carol")).toBeNull();
    expect(limit.open).toBe(3);
    a1();
    a1();
    expect(limit.open).toBe(2);
    expect(limit.acquire("carol")).not.toBeNull();
    expect(limit.acquire("alice")).toBeNull();
    a2();
    b1();
    expect(limit.open).toBe(1);
    expect(limit.acquire("alice")).not.toBeNull();
  });
});
