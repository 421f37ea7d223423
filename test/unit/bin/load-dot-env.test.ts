import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadDotEnv } from "../../../src/bin/load-dot-env.js";
import { ConfigError } from "../../../src/config.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "chorebot-dotenv-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("loadDotEnv", () => {
  it("sets what the file says, the real environment winning, comments and quotes as dotenv reads them", async () => {
    await writeFile(
      join(dir, ".env"),
      [
        "# a comment",
        "APP_ID=7",
        "REDIS_URL=redis://from-file:6379   # inline comment",
        'PRIVATE_KEY="-----BEGIN\\nKEY-----"',
        "SCRIPT_TIMEOUT=3m",
        "export QUEUE_PREFIX={x}",
        "",
      ].join("\n"),
    );
    const env: NodeJS.ProcessEnv = { APP_ID: "42", SCRIPT_TIMEOUT: "" };
    expect(loadDotEnv(dir, env).sort()).toEqual(["PRIVATE_KEY", "QUEUE_PREFIX", "REDIS_URL"]);
    expect(env).toEqual({ APP_ID: "42", SCRIPT_TIMEOUT: "", REDIS_URL: "redis://from-file:6379", PRIVATE_KEY: "-----BEGIN\nKEY-----", QUEUE_PREFIX: "{x}" });
  });

  it("no .env is fine", () => {
    expect(loadDotEnv(dir, {})).toEqual([]);
  });

  it("an unreadable .env (here a directory) is a ConfigError naming it, not a crash", async () => {
    await mkdir(join(dir, ".env"));
    expect(() => loadDotEnv(dir, {})).toThrow(ConfigError);
    expect(() => loadDotEnv(dir, {})).toThrow(new RegExp(`^cannot read ${join(dir, ".env")}: EISDIR`));
  });
});
