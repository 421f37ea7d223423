import { describe, expect, it } from "vitest";
import { parseInputFlags } from "../../../src/bin/parse-input-flags.js";

describe("parseInputFlags", () => {
  it("reads name=value pairs, keeping '=' inside values and the last of repeated names", () => {
    expect(parseInputFlags(["since=2026-01-01", "limit=5", "query=a=b", "limit=6", "empty="])).toEqual({
      since: "2026-01-01",
      limit: "6",
      query: "a=b",
      empty: "",
    });
  });

  it.each([["novalue"], ["=x"]])("refuses %s", (flag) => {
    expect(() => parseInputFlags([flag])).toThrow(`--input ${flag}: expected name=value`);
  });
});
