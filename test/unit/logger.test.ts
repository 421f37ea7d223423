import { describe, expect, it } from "vitest";
import { boundedError } from "../../src/logger.js";

describe("boundedError", () => {
  it("replaces a webhook's raw body by its size and keeps the rest of the error", () => {
    const error = Object.assign(new Error("signature does not match"), {
      status: 400,
      event: { id: "d1", name: "push", payload: "x".repeat(5_000_000) },
    });
    const serialized = boundedError(error);
    expect(serialized).toMatchObject({
      type: "Error",
      message: "signature does not match",
      status: 400,
      event: { id: "d1", name: "push", payload: "(5000000 characters, not logged)" },
    });
    expect(JSON.stringify(serialized).length).toBeLessThan(5_000);
  });

  it("cuts other huge string fields", () => {
    const serialized = boundedError(Object.assign(new Error("boom"), { body: "y".repeat(100_000) }));
    expect(String(serialized.body)).toMatch(/^y{2000}… \(98000 more characters\)$/);
  });
});
