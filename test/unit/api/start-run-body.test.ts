import { describe, expect, it } from "vitest";
import { readStartRunBody } from "../../../src/api/start-run-body.js";

describe("readStartRunBody", () => {
  it("takes inputs as the text a person would type, and the name", () => {
    expect(readStartRunBody({ inputs: { account: "acct_1", attempts: 3, ratio: 0.5, notify: true }, name: "n-1" })).toEqual({
      ok: true,
      values: { account: "acct_1", attempts: "3", ratio: "0.5", notify: "true" },
      name: "n-1",
    });
    expect(readStartRunBody({})).toEqual({ ok: true, values: {} });
  });

  it("refuses arrays, objects, null and numbers JSON cannot hold as inputs, each by name (422)", () => {
    const read = readStartRunBody(JSON.parse('{"inputs": {"a": [1], "b": {"x": 1}, "c": null, "d": 1e999, "ok": "fine"}}') as Record<string, unknown>);
    expect(read).toEqual({
      ok: false,
      status: 422,
      error: "The inputs are not valid.",
      errors: Object.fromEntries(["a", "b", "c", "d"].map((n) => [n, "must be a string, a number or a boolean"])),
    });
  });

  it("keeps __proto__ an own input, never the prototype (the gate then calls it undeclared)", () => {
    const read = readStartRunBody(JSON.parse('{"inputs": {"__proto__": "x", "constructor": "y"}}') as Record<string, unknown>);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(Object.getPrototypeOf(read.values)).toBe(Object.prototype);
    expect(Object.hasOwn(read.values, "__proto__")).toBe(true);
    expect(read.values.constructor).toBe("y");
    const bad = readStartRunBody(JSON.parse('{"inputs": {"__proto__": {"polluted": true}}}') as Record<string, unknown>);
    expect(bad).toMatchObject({ ok: false, status: 422 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses unknown fields, inputs that are not an object, a name that is not text (400)", () => {
    expect(readStartRunBody({ input: {} })).toMatchObject({ ok: false, status: 400, error: expect.stringContaining('"input"') });
    expect(readStartRunBody({ inputs: [] })).toMatchObject({ status: 400 });
    expect(readStartRunBody({ inputs: "a=b" })).toMatchObject({ status: 400 });
    expect(readStartRunBody({ inputs: null })).toMatchObject({ status: 400 });
    expect(readStartRunBody({ name: 7 })).toMatchObject({ status: 400 });
    expect(readStartRunBody({ inputs: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`i${i}`, "x"])) })).toMatchObject({ status: 400 });
  });
});
