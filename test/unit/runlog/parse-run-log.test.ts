import { describe, expect, it } from "vitest";
import { parseRunLog } from "../../../src/runlog/parse-run-log.js";

describe("parseRunLog", () => {
  it("splits front matter from the body", () => {
    expect(parseRunLog("---\nstatus: failed\nexit_code: 1\n---\n# title\n")).toEqual({
      frontMatter: { status: "failed", exit_code: 1 },
      body: "# title\n",
    });
  });

  it("accepts CRLF line endings and empty front matter", () => {
    expect(parseRunLog("---\r\na: b\r\n---\r\nbody")).toEqual({ frontMatter: { a: "b" }, body: "body" });
    expect(parseRunLog("---\n---\nbody")).toEqual({ frontMatter: {}, body: "body" });
  });

  it("rejects text without front matter or with a non-mapping", () => {
    expect(() => parseRunLog("# just markdown\n")).toThrow(/no YAML front matter/);
    expect(() => parseRunLog("---\n- a\n---\n")).toThrow(/not a mapping/);
  });
});
