import { describe, expect, it } from "vitest";
import { loadServerConfig } from "../../../src/config.js";
import { generateAppKey } from "../../helpers/app-key.js";

const env = { APP_ID: "42", PRIVATE_KEY: generateAppKey(), WEBHOOK_SECRET: "hook-secret", REDIS_URL: "redis://127.0.0.1:6390" };

describe("the limits of a pull request's check", () => {
  it("default to 60 s and 1024 MB, and are settings", () => {
    expect(loadServerConfig(env).checkLimits).toEqual({ timeMs: 60_000, memoryMb: 1024 });
    expect(loadServerConfig({ ...env, CHECK_TIMEOUT: "2.5", CHECK_MEMORY_LIMIT: "2048" }).checkLimits).toEqual({ timeMs: 2_500, memoryMb: 2048 });
  });

  it("refuse a memory limit no type check fits in, with one line naming it", () => {
    expect(() => loadServerConfig({ ...env, CHECK_MEMORY_LIMIT: "64" })).toThrow(/^CHECK_MEMORY_LIMIT is invalid/);
    expect(() => loadServerConfig({ ...env, CHECK_TIMEOUT: "0" })).toThrow(/^CHECK_TIMEOUT is invalid/);
  });
});
