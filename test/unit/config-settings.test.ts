import { describe, expect, it } from "vitest";
import { loadRunnerConfig, loadServerConfig, SettingsError } from "../../src/config.js";
import { parseDuration, parseDurationSetting } from "../../src/sdk/parse-duration.js";
import { generateAppKey } from "../helpers/app-key.js";

const valid = { APP_ID: "42", PRIVATE_KEY: generateAppKey(), WEBHOOK_SECRET: "hook-secret", REDIS_URL: "redis://127.0.0.1:6390" };

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadServerConfig(env, () => {});
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return (error as Error).message.split("\n");
  }
  throw new Error("no problem reported");
}

describe("every missing or invalid setting at once", () => {
  it("an empty environment names each required setting, one line each", () => {
    expect(problems({})).toEqual([
      "APP_ID is required but not set",
      "WEBHOOK_SECRET is required but not set",
      "REDIS_URL (or REDIS_CLUSTER_NODES) is required but not set",
      "PRIVATE_KEY (or PRIVATE_KEY_PATH) is required but not set",
    ]);
  });

  it("invalid values, cross-setting problems and a missing key are all named together", () => {
    const found = problems({
      WEBHOOK_SECRET: "x",
      APP_ID: "abc",
      REDIS_URL: "localhost:6379",
      SCRIPT_TIMEOUT: "3 minutes",
      SHUTDOWN_GRACE: "-5",
      JOB_LOCK_MS: "100",
      JOB_RETENTION: "3d",
      SCRIPT_ENV: "WEBHOOK_SECRET",
      RESULT_WEBHOOK_URL: "https://hooks.example.com/x",
    });
    expect(found).toHaveLength(9);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^APP_ID is invalid: /),
        expect.stringMatching(/^REDIS_URL is invalid: /),
        expect.stringMatching(/^SCRIPT_TIMEOUT is invalid: invalid duration "3 minutes": use e\.g\. "90s"/),
        expect.stringMatching(/^SHUTDOWN_GRACE is invalid: invalid duration "-5"/),
        "JOB_LOCK_MS is invalid: must be at least 500 ms",
        expect.stringMatching(/^JOB_RETENTION is invalid: below 7d/),
        "SCRIPT_ENV is invalid: WEBHOOK_SECRET is one of chorebot's own secrets",
        "RESULT_WEBHOOK_SECRET is required but not set (RESULT_WEBHOOK_URL is set)",
        "PRIVATE_KEY (or PRIVATE_KEY_PATH) is required but not set",
      ]),
    );
    // An invalid REDIS_URL is named as invalid, not also as missing.
    expect(found.filter((line) => line.startsWith("REDIS_URL"))).toHaveLength(1);
  });

  it.each([
    ["APP_ID", "abc", "APP_ID is invalid: expected the GitHub App's numeric id (App settings → App ID)"],
    ["APP_ID", "0", "APP_ID is invalid: expected the GitHub App's numeric id (App settings → App ID)"],
    ["PORT", "http", "PORT is invalid: expected a port number from 0 to 65535"],
    ["PORT", "70000", "PORT is invalid: expected a port number from 0 to 65535"],
    ["WORKER_CONCURRENCY", "1.5", "WORKER_CONCURRENCY is invalid: expected a whole number of scripts at once, at least 1"],
    ["CLEANUP_CONCURRENCY", "", "CLEANUP_CONCURRENCY is invalid: expected a whole number of cleanups at once, at least 1"],
    ["REQUIRED_APPROVALS", "0", "REQUIRED_APPROVALS is invalid: expected a whole number of approvals, at least 1"],
    ["GITHUB_STEP_ATTEMPTS", "many", "GITHUB_STEP_ATTEMPTS is invalid: expected a whole number of attempts, at least 1"],
    ["CHECK_MEMORY_LIMIT", "64", "CHECK_MEMORY_LIMIT is invalid: expected a whole number of megabytes, at least 128"],
    ["OUTPUT_LIMIT", "1MB", "OUTPUT_LIMIT is invalid: expected a whole number of bytes, at least 1024"],
  ])("a number setting says what number it wants: %s=%o", (name, value, message) => {
    expect(problems({ ...valid, [name]: value })).toEqual([message]);
  });

  it("number settings read whole numbers and keep their defaults", () => {
    const config = loadServerConfig({ ...valid, APP_ID: " 42 ", PORT: "0", CHECK_MEMORY_LIMIT: "512" }, () => {});
    expect(config).toMatchObject({ appId: 42, port: 0, workerConcurrency: 1, cleanupConcurrency: 16, requiredApprovals: 1, githubStepAttempts: 6 });
    expect(config.checkLimits.memoryMb).toBe(512);
    expect(config.runner.outputLimit).toBe(1024 * 1024);
  });

  it("chorebot run's settings too", () => {
    expect(() => loadRunnerConfig({ SCRIPT_TIMEOUT: "soon", OUTPUT_LIMIT: "1" }, () => {})).toThrow(
      /^SCRIPT_TIMEOUT is invalid: .*\nOUTPUT_LIMIT is invalid: /,
    );
  });
});

describe("durations: 90, 90s, 15m, 2h, 1d everywhere", () => {
  it("a bare number keeps the setting's unit: seconds, milliseconds for a _MS setting", () => {
    const config = loadServerConfig(
      { ...valid, SCRIPT_TIMEOUT: "90", SHUTDOWN_GRACE: "45", CHECK_TIMEOUT: "60", JOB_LOCK_MS: "30000", GITHUB_WRITE_INTERVAL_MS: "250" },
      () => {},
    );
    expect(config.runner.timeoutMs).toBe(90_000);
    expect(config.shutdownGraceMs).toBe(45_000);
    expect(config.checkLimits.timeMs).toBe(60_000);
    expect(config.lockMs).toBe(30_000);
    expect(config.githubWriteIntervalMs).toBe(250);
  });

  it("units as the SDK's timeout takes them", () => {
    const config = loadServerConfig(
      {
        ...valid,
        SCRIPT_TIMEOUT: "3m",
        SHUTDOWN_GRACE: "90s",
        CHECK_TIMEOUT: "1m30s",
        JOB_LOCK_MS: "45s",
        GITHUB_WRITE_INTERVAL_MS: "2s",
        JOB_RETENTION: "2h",
        JOB_RETENTION_UNSAFE_SHORT: "1",
      },
      () => {},
    );
    expect(config.runner.timeoutMs).toBe(parseDuration("3m"));
    expect(config.runner.timeoutMs).toBe(180_000);
    expect(config.shutdownGraceMs).toBe(90_000);
    expect(config.checkLimits.timeMs).toBe(90_000);
    expect(config.lockMs).toBe(45_000);
    expect(config.githubWriteIntervalMs).toBe(2_000);
    expect(config.retention.completedMs).toBe(7_200_000);
    expect(loadRunnerConfig({ SCRIPT_TIMEOUT: "1d" }, () => {}).timeoutMs).toBe(86_400_000);
  });

  it("the defaults keep their meaning", () => {
    const config = loadServerConfig(valid, () => {});
    expect([config.runner.timeoutMs, config.shutdownGraceMs, config.checkLimits.timeMs, config.lockMs, config.githubWriteIntervalMs]).toEqual([
      900_000, 30_000, 60_000, 30_000, 1_000,
    ]);
  });

  it("zero only where it means something (no grace, no pause)", () => {
    expect(loadServerConfig({ ...valid, SHUTDOWN_GRACE: "0", GITHUB_WRITE_INTERVAL_MS: "0" }, () => {})).toMatchObject({
      shutdownGraceMs: 0,
      githubWriteIntervalMs: 0,
    });
    expect(problems({ ...valid, SCRIPT_TIMEOUT: "0", CHECK_TIMEOUT: "0s" })).toEqual([
      'SCRIPT_TIMEOUT is invalid: invalid duration "0": must be positive',
      'CHECK_TIMEOUT is invalid: invalid duration "0s": must be positive',
    ]);
  });

  it.each(["", " ", "m", "1.5.2s", "10x", "1e3", "Infinity", "NaN", "0x10", "15m!", "-1s"])("refuses %j", (text) => {
    expect(() => parseDurationSetting(text)).toThrow(/invalid duration/);
  });

  it("reads a bare number in the unit asked, keeps the SDK's number-is-seconds", () => {
    expect(parseDurationSetting("1.5")).toBe(1_500);
    expect(parseDurationSetting("1500", "ms")).toBe(1_500);
    expect(parseDurationSetting(" 2h ")).toBe(7_200_000);
    expect(parseDuration(90)).toBe(90_000);
    expect(() => parseDuration(0)).toThrow(/must be positive/);
  });
});
