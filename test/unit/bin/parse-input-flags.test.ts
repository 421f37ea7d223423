import { describe, expect, it } from "vitest";
import { parseInputFlags, undeclaredInputs } from "../../../src/bin/parse-input-flags.js";

describe("parseInputFlags", () => {
  it("reads name=value pairs, keeping '=' inside values", () => {
    expect(parseInputFlags(["since=2026-01-01", "limit=5", "query=a=b", "empty="])).toEqual({
      since: "2026-01-01",
      limit: "5",
      query: "a=b",
      empty: "",
    });
  });

  it.each([["novalue"], ["=x"], [" =x"]])("refuses %j", (flag) => {
    expect(() => parseInputFlags([flag])).toThrow(`--input ${flag}: expected name=value`);
  });

  it("refuses a name given twice, naming it, rather than keeping one silently", () => {
    expect(() => parseInputFlags(["limit=5", "since=x", "limit=6"])).toThrow("--input limit is given twice");
    expect(() => parseInputFlags(["limit=5", " limit =6"])).toThrow("--input limit is given twice");
  });
});

describe("undeclaredInputs", () => {
  it("names every input the script does not declare, and what it does take", () => {
    expect(undeclaredInputs({ limit: "1", lmit: "2", dryrun: "x" }, ["limit", "dryRun"])).toBe("unknown --input lmit, dryrun: it takes limit, dryRun");
    expect(undeclaredInputs({ limit: "1" }, [])).toBe("unknown --input limit: it declares no inputs");
    expect(undeclaredInputs({ limit: "1" }, ["limit"])).toBeNull();
    expect(undeclaredInputs({}, [])).toBeNull();
  });
});
