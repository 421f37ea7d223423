import { describe, expect, test } from "vitest";
import { createRedactor } from "../../../src/runner/redact.js";
import { redactJson, redactNumber, TOO_DEEP } from "../../../src/runner/redact-value.js";

const redact = createRedactor(["prod-token-value-123", "123456"]);

describe("redactNumber", () => {
  test("is [REDACTED] when the number's digits show a secret, the number otherwise", () => {
    expect(redactNumber(123456, redact)).toBe("[REDACTED]");
    expect(redactNumber(9123456.5, redact)).toBe("[REDACTED]");
    expect(redactNumber(-0.123456, redact)).toBe("[REDACTED]");
    expect(redactNumber(12345, redact)).toBe(12345);
    expect(redactNumber(1234567e30, redact)).toBe(1234567e30);
  });
});

describe("redactJson", () => {
  test("redacts strings, keys and numbers at any depth, keeping the rest", () => {
    const value = { "prod-token-value-123": [{ n: 123456, s: "x prod-token-value-123", t: true, z: null }], ok: 7, __proto__key: 1 };
    expect(redactJson(value, redact)).toEqual({ "[REDACTED]": [{ n: "[REDACTED]", s: "x [REDACTED]", t: true, z: null }], ok: 7, __proto__key: 1 });
  });

  test("keeps a __proto__ key as data", () => {
    const redacted = redactJson(JSON.parse('{"__proto__": {"polluted": 123456}}'), redact) as Record<string, unknown>;
    expect(Object.getPrototypeOf(redacted)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(redacted, "__proto__")?.value).toEqual({ polluted: "[REDACTED]" });
  });

  test("answers TOO_DEEP for more than 64 nested arrays or objects", () => {
    let deep: unknown = "prod-token-value-123";
    for (let i = 0; i < 65; i++) deep = [deep];
    expect(redactJson(deep, redact)).toBe(TOO_DEEP);
    expect(redactJson((deep as unknown[])[0], redact)).not.toBe(TOO_DEEP);
  });
});
