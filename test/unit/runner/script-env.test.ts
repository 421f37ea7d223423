import { expect, test } from "vitest";
import { buildScriptEnv } from "../../../src/runner/script-env.js";

test("passes the basics and the allowlisted names that are set, nothing else", () => {
  const source = {
    PATH: "/usr/bin",
    HOME: "/home/app",
    LANG: "C.UTF-8",
    TZ: "UTC",
    NODE_ENV: "production",
    NODE_OPTIONS: "--require /tmp/evil.js",
    GITHUB_PRIVATE_KEY: "-----BEGIN-----",
    DATABASE_URL: "postgres://db",
    EMPTY_BUT_SET: "",
  };
  expect(buildScriptEnv(source, ["DATABASE_URL", "EMPTY_BUT_SET", "NOT_SET"])).toEqual({
    PATH: "/usr/bin",
    HOME: "/home/app",
    LANG: "C.UTF-8",
    TZ: "UTC",
    NODE_ENV: "production",
    DATABASE_URL: "postgres://db",
    EMPTY_BUT_SET: "",
  });
});

test("an allowlist can name anything, including NODE_OPTIONS, deliberately", () => {
  expect(buildScriptEnv({ NODE_OPTIONS: "--max-old-space-size=512" }, ["NODE_OPTIONS"])).toEqual({
    NODE_OPTIONS: "--max-old-space-size=512",
  });
});
