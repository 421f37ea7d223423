import { describe, expect, it } from "vitest";
import { readStartRunBody } from "../../../src/api/start-run-body.js";

// Attack: a client sends an account number as a JSON number; JSON.parse rounds it past 2^53 and
// the run got String(rounded), another account than the one sent, with no error.
describe("the API's start body: numbers JSON cannot hold exactly", () => {
  it("refuses an integer past 2^53 (its digits are already lost) by name, 422", () => {
    const read = readStartRunBody(
      JSON.parse('{"inputs": {"account": 12345678901234567890, "big": -9007199254740993, "ok": 9007199254740991}}') as Record<string, unknown>,
    );
    expect(read).toMatchObject({
      ok: false,
      status: 422,
      errors: { account: expect.stringContaining("as a string"), big: expect.stringContaining("as a string") },
    });
    if (read.ok || read.status !== 422) return;
    expect(Object.keys(read.errors)).toEqual(["account", "big"]);
  });

  it("still takes safe integers and decimals as the text of the number", () => {
    expect(readStartRunBody({ inputs: { n: 9007199254740991, r: 0.25, e: 1e3 } })).toEqual({
      ok: true,
      values: { n: "9007199254740991", r: "0.25", e: "1000" },
    });
  });
});
