import { describe, expect, test, vi } from "vitest";
import { loadRunnerConfig, loadServerConfig } from "../../src/config.js";
import { generateAppKey } from "../helpers/app-key.js";

const server = {
  APP_ID: "42",
  PRIVATE_KEY: generateAppKey(),
  WEBHOOK_SECRET: "hook-secret",
  REDIS_URL: "redis://127.0.0.1:6390",
};

describe("a SCRIPT_ENV value too short to redact", () => {
  test("is named in a warning at startup, its value never", () => {
    const warnings: string[] = [];
    const config = loadRunnerConfig(
      { SCRIPT_ENV: "PGPORT,REGION,API_TOKEN,UNSET,EMPTY", PGPORT: "5432", REGION: "eu-1", API_TOKEN: "tok-123456", EMPTY: "" },
      (message) => warnings.push(message),
    );
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^SCRIPT_ENV variable PGPORT is shorter than 6 characters, too short to redact/);
    expect(warnings[1]).toMatch(/^SCRIPT_ENV variable REGION is shorter than 6 characters/);
    expect(warnings.join("\n")).not.toMatch(/5432|eu-1/);
    // Still handed to scripts: the warning is the whole consequence.
    expect(config.scriptEnvValues).toEqual(["5432", "eu-1", "tok-123456"]);
  });

  test("is warned about by the server too, once", () => {
    const warnings: string[] = [];
    loadServerConfig({ ...server, SCRIPT_ENV: "PGPORT,API_TOKEN", PGPORT: "5432", API_TOKEN: "tok-123456" }, (message) => warnings.push(message));
    expect(warnings).toEqual([expect.stringMatching(/^SCRIPT_ENV variable PGPORT is shorter than 6 characters/)]);
  });

  test("is one plain line on stderr unless the caller takes it, not a Node.js process warning", () => {
    const emitWarning = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    const stderr = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      loadRunnerConfig({ SCRIPT_ENV: "PGPORT", PGPORT: "5432" });
      expect(stderr).toHaveBeenCalledExactlyOnceWith(
        expect.stringMatching(/^chorebot: warning: SCRIPT_ENV variable PGPORT is shorter than 6 characters[^\n]*$/),
      );
      expect(emitWarning).not.toHaveBeenCalled();
    } finally {
      emitWarning.mockRestore();
      stderr.mockRestore();
    }
  });

  test("long values and a config without SCRIPT_ENV warn about nothing", () => {
    const warnings: string[] = [];
    loadRunnerConfig({ SCRIPT_ENV: "API_TOKEN", API_TOKEN: "123456" }, (message) => warnings.push(message));
    loadRunnerConfig({}, (message) => warnings.push(message));
    expect(warnings).toEqual([]);
  });
});
