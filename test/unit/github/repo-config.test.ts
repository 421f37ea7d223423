import { describe, expect, it } from "vitest";
import { defaultRepoConfig, parseRepoConfig } from "../../../src/github/repo-config.js";

const limits = { minApprovals: 1, maxTimeoutMs: 900_000, minChorePermission: "write" as const };

describe("parseRepoConfig", () => {
  it("fills every default from an empty or missing file", () => {
    const expected = {
      scriptsDir: "scripts",
      choresDir: "chores",
      logsDir: "logs",
      requiredApprovals: 1,
      timeoutMs: 900_000,
      policy: { scriptsOnly: "fail" },
      cleanup: "commit",
      order: "path",
      stopOnFailure: false,
      chores: { permission: "write" },
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
          choresDir: "./ops/chores/",
          logsDir: "./ops/logs",
          requiredApprovals: 2,
          timeout: 60,
          policy: { scriptsOnly: "warn" },
          cleanup: "pull_request",
          order: "parallel",
          stopOnFailure: true,
          chores: { permission: "admin" },
        },
        limits,
      ),
    ).toEqual({
      scriptsDir: "ops/scripts",
      choresDir: "ops/chores",
      logsDir: "ops/logs",
      requiredApprovals: 2,
      timeoutMs: 60_000,
      policy: { scriptsOnly: "warn" },
      cleanup: "pull_request",
      order: "parallel",
      stopOnFailure: true,
      chores: { permission: "admin" },
    });
  });

  it("defaults the chores' permission to the server's floor and takes any role at or above it", () => {
    expect(defaultRepoConfig({ ...limits, minChorePermission: "maintain" }).chores).toEqual({ permission: "maintain" });
    expect(parseRepoConfig({ chores: {} }, { ...limits, minChorePermission: "triage" })).toMatchObject({ chores: { permission: "triage" } });
    expect(parseRepoConfig({ chores: { permission: "maintain" } }, limits)).toMatchObject({ chores: { permission: "maintain" } });
    expect(parseRepoConfig({ chores: { permission: "write" } }, limits)).toMatchObject({ chores: { permission: "write" } });
    expect(parseRepoConfig({ chores: { permission: "read" } }, { ...limits, minChorePermission: "read" })).toMatchObject({ chores: { permission: "read" } });
  });

  it("never lets a floor of none open chores to people who cannot see the repository", () => {
    expect(defaultRepoConfig({ ...limits, minChorePermission: "none" }).chores).toEqual({ permission: "read" });
  });

  it.each([
    [{ choresDir: "ops/chores" }, "ops/chores"],
    [{ choresDir: "scripts-chores" }, "scripts-chores"],
    [{ scriptsDir: "ops/scripts", choresDir: "ops/chores", logsDir: "ops/logs" }, "ops/chores"],
  ])("takes a chores folder beside the scripts and logs: %o", (raw, choresDir) => {
    expect(parseRepoConfig(raw, limits)).toMatchObject({ choresDir });
  });

  it.each([
    [{ requiredApprovals: 0 }, ".github/chorebot.yml: requiredApprovals: cannot be lower than the server's minimum of 1"],
    [{ timeout: 3600 }, ".github/chorebot.yml: timeout: cannot exceed the server's maximum of 900 seconds"],
    [{ scriptsDir: "../elsewhere" }, ".github/chorebot.yml: scriptsDir: must be a folder inside the repository"],
    [{ logsDir: "scripts" }, ".github/chorebot.yml: logsDir: must differ from scriptsDir"],
    [{ choresDir: "../chores" }, ".github/chorebot.yml: choresDir: must be a folder inside the repository"],
    [{ choresDir: "a/./b" }, ".github/chorebot.yml: choresDir: must be a folder inside the repository"],
    [{ choresDir: "/" }, ".github/chorebot.yml: choresDir: must be a folder inside the repository"],
    [{ choresDir: "scripts" }, ".github/chorebot.yml: choresDir: must differ from scriptsDir, not be inside it nor contain it"],
    [{ choresDir: "scripts/chores" }, ".github/chorebot.yml: choresDir: must differ from scriptsDir, not be inside it nor contain it"],
    [{ scriptsDir: "ops/scripts", choresDir: "ops" }, ".github/chorebot.yml: choresDir: must differ from scriptsDir, not be inside it nor contain it"],
    [{ choresDir: "./logs/" }, ".github/chorebot.yml: choresDir: must differ from logsDir, not be inside it nor contain it"],
    [{ choresDir: "logs/chores" }, ".github/chorebot.yml: choresDir: must differ from logsDir, not be inside it nor contain it"],
    [
      { logsDir: "chores/logs" },
      ".github/chorebot.yml: choresDir: must differ from logsDir, not be inside it nor contain it (the default, chores: set choresDir to another folder)",
    ],
    [
      { scriptsDir: "chores" },
      ".github/chorebot.yml: choresDir: must differ from scriptsDir, not be inside it nor contain it (the default, chores: set choresDir to another folder)",
    ],
    [{ choresDir: 7 }, /^\.github\/chorebot\.yml: choresDir: /],
    [{ chores: { permission: "triage" } }, ".github/chorebot.yml: chores.permission: cannot be lower than the server's minimum of write"],
    [{ chores: { permission: "read" } }, ".github/chorebot.yml: chores.permission: cannot be lower than the server's minimum of write"],
    [{ chores: { permission: "none" } }, /^\.github\/chorebot\.yml: chores\.permission: /],
    [{ chores: { permission: "owner" } }, /^\.github\/chorebot\.yml: chores\.permission: /],
    [{ chores: { permission: "Write" } }, /^\.github\/chorebot\.yml: chores\.permission: /],
    [{ chores: { permision: "admin" } }, /^\.github\/chorebot\.yml: chores: Unrecognized key/],
    [{ chores: "admin" }, /^\.github\/chorebot\.yml: chores: /],
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
