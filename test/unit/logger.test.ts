import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { boundedError, componentLogger } from "../../src/logger.js";

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

describe("componentLogger", () => {
  it("names its part of the log as component, leaving the logger's name alone: one name key per line", () => {
    const lines: string[] = [];
    const log = pino({ name: "chorebot" }, { write: (line: string) => lines.push(line) });
    componentLogger(log, "http").info("listening");
    expect(lines).toHaveLength(1);
    expect(lines[0]!.match(/"name":/g)).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ name: "chorebot", component: "http", msg: "listening" });
  });
});
