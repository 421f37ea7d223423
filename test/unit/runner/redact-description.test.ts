import { describe, expect, test } from "vitest";
import { createRedactor } from "../../../src/runner/redact.js";
import { redactDescription } from "../../../src/runner/redact-description.js";
import type { ScriptDescription } from "../../../src/sdk/protocol.js";

const redact = createRedactor(["prod-token-value-123", "73914826", 'pa"ss\\word-1234']);

describe("redactDescription", () => {
  test("redacts the description and each input's name, description, default, choices and pattern", () => {
    const description: ScriptDescription = {
      description: "rotates prod-token-value-123",
      inputs: {
        "prod-token-value-123": {
          type: "string",
          required: false,
          description: 'like pa"ss\\word-1234',
          default: 'pa"ss\\word-1234',
          choices: ['pa"ss\\word-1234', "other"],
        },
        seats: { type: "int", required: false, default: 73914826, min: 1, max: 100_000_000 },
        kind: { type: "string", required: true, pattern: "^(plain|prod-token-value-123)$", secret: true },
        dryRun: { type: "bool", required: false, default: true },
      },
      concurrency: "global",
      timeoutMs: 60_000,
      env: null,
    };
    expect(redactDescription(description, redact)).toEqual({
      description: "rotates [REDACTED]",
      inputs: {
        "[REDACTED]": { type: "string", required: false, description: "like [REDACTED]", default: "[REDACTED]", choices: ["[REDACTED]", "other"] },
        seats: { type: "int", required: false, default: "[REDACTED]", min: 1, max: 100_000_000 },
        kind: { type: "string", required: true, pattern: "^(plain|[REDACTED])$", secret: true },
        dryRun: { type: "bool", required: false, default: true },
      },
      concurrency: "global",
      timeoutMs: 60_000,
      env: null,
    });
  });

  test("keeps a plain script's null and a description without text", () => {
    expect(redactDescription(null, redact)).toBeNull();
    const bare: ScriptDescription = { description: null, inputs: {}, concurrency: "self", timeoutMs: null, env: null };
    expect(redactDescription(bare, redact)).toEqual(bare);
  });
});
