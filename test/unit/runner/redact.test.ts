import { describe, expect, test } from "vitest";
import { createRedactor } from "../../../src/runner/redact.js";

describe("createRedactor", () => {
  test("replaces every occurrence of each secret", () => {
    const redact = createRedactor(["hunter22", "s3cr3t-token"]);
    expect(redact("pw=hunter22 token=s3cr3t-token again hunter22")).toBe(
      "pw=[REDACTED] token=[REDACTED] again [REDACTED]",
    );
  });

  test("prefers the longest secret where one contains another", () => {
    const redact = createRedactor(["abcd1234", "abcd1234567890"]);
    expect(redact("x abcd1234567890 y abcd1234 z")).toBe("x [REDACTED] y [REDACTED] z");
  });

  test("ignores values shorter than 4 characters", () => {
    const redact = createRedactor(["1", "yes", "", "four"]);
    expect(redact("1 yes four")).toBe("1 yes [REDACTED]");
  });

  test("treats regular expression metacharacters literally", () => {
    const redact = createRedactor(["a.b*c(d)[e]$^|\\/-?+{2}"]);
    expect(redact("aXbbbcd")).toBe("aXbbbcd");
    expect(redact("<a.b*c(d)[e]$^|\\/-?+{2}>")).toBe("<[REDACTED]>");
  });

  test("redacts each long line of a multi-line secret on its own", () => {
    const pem = "-----BEGIN KEY-----\r\nAAAABBBBCCCC\nshort\nDDDDEEEEFFFF\n-----END KEY-----";
    const redact = createRedactor([pem]);
    expect(redact("DDDDEEEEFFFF")).toBe("[REDACTED]");
    expect(redact("-----BEGIN KEY-----")).toBe("[REDACTED]");
    expect(redact("short and sweet")).toBe("short and sweet");
    expect(redact(`key: ${pem}`)).toBe("key: [REDACTED]");
  });

  test("with no usable secrets returns text unchanged", () => {
    expect(createRedactor([])("anything [x]")).toBe("anything [x]");
  });
});
