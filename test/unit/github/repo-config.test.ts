import { describe, expect, it } from "vitest";
import { defaultRepoConfig, parseRepoConfig } from "../../../src/github/repo-config.js";

const limits = { minApprovals: 1, maxTimeoutMs: 900_000 };

describe("parseRepoConfig", () => {
  it("fills every default from an empty or missing file", () => {
    const expected = {
      scriptsDir: "scripts",
      logsDir: "logs",
      requiredApprovals: 1,
      timeoutMs: 900_000,
      policy: { scriptsOnly: "fail" },
      cleanup: "commit",
      order: "path",
      stopOnFailure: false,
    };
    expect(parseRepoConfig({}, limits)).toEqual(expected);
    expect(parseRepoConfig(null, limits)).toEqual(expected);
    expect(defaultRepoConfig(limits)).toEqual(expected);
  });

  it("accepts a full config within the server's limits", () => {
    expect(
      parseRepoConfig(
        {
          scriptsDir: "ops/scripts/",
          logsDir: "./ops/logs",
          requiredApprovals: 2,
          timeout: 60,
          policy: { scriptsOnly: "warn" },
          cleanup: "pull_request",
          order: "parallel",
          stopOnFailure: true,
        },
        limits,
      ),
    ).toEqual({
      scriptsDir: "ops/scripts",
      logsDir: "ops/logs",
      requiredApprovals: 2,
      timeoutMs: 60_000,
      policy: { scriptsOnly: "warn" },
      cleanup: "pull_request",
      order: "parallel",
      stopOnFailure: true,
    });
  });

  it.each([
    [{ requiredApprovals: 0 }, ".github/chorebot.yml: requiredApprovals: cannot be lower than the server's minimum of 1"],
    [{ timeout: 3600 }, ".github/chorebot.yml: timeout: cannot exceed the server's maximum of 900 seconds"],
    [{ scriptsDir: "../elsewhere" }, ".github/chorebot.yml: scriptsDir: must be a folder inside the repository"],
    [{ logsDir: "scripts" }, ".github/chorebot.yml: logsDir: must differ from scriptsDir"],
    [{ order: "random" }, /^\.github\/chorebot\.yml: order: /],
    [{ policy: { scriptsOnly: "maybe" } }, /^\.github\/chorebot\.yml: policy\.scriptsOnly: /],
    [{ timout: 60 }, /^\.github\/chorebot\.yml: \(file\): Unrecognized key/],
    [["a list"], /^\.github\/chorebot\.yml: \(file\): /],
  ])("names the bad key in one line: %o", (raw, message) => {
    const result = parseRepoConfig(raw, limits);
    expect(typeof result).toBe("string");
    expect(result).toMatch(message);
  });
});
