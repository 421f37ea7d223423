import { describe, expect, it } from "vitest";
import type { RunnerConfig } from "../../../src/config.js";
import { runOptions, valuesToRedact } from "../../../src/runner/run-options.js";
import type { ScriptDescription } from "../../../src/sdk/protocol.js";

const runner: RunnerConfig = {
  scriptCwd: "/srv/app",
  scriptEnv: ["DATABASE_URL", "UNSET"],
  timeoutMs: 60_000,
  outputLimit: 4096,
  scriptEnvValues: ["postgres://app:db-pass@db/prod"],
};
const env = {
  PATH: "/usr/bin",
  HOME: "/home/app",
  DATABASE_URL: "postgres://app:db-pass@db/prod",
  PRIVATE_KEY: "app-private-key",
  NODE_OPTIONS: "--require evil",
};

const sdkScript = (declared: Partial<ScriptDescription> = {}): ScriptDescription => ({
  description: null,
  inputs: {
    token: { type: "string", required: true, secret: true },
    region: { type: "string", required: false },
  },
  concurrency: "self",
  timeoutMs: null,
  ...declared,
});

describe("runOptions", () => {
  it("runs a plain script in SCRIPT_CWD with the allowlisted environment only, no inputs, and the output limit", () => {
    const options = runOptions({ runner, description: null, inputs: { ignored: "x" }, env });
    expect(options).toMatchObject({ cwd: "/srv/app", timeoutMs: 60_000, maxOutputBytes: 4096 });
    expect(options.env).toEqual({ PATH: "/usr/bin", HOME: "/home/app", DATABASE_URL: "postgres://app:db-pass@db/prod" });
    expect(options).not.toHaveProperty("inputs");
  });

  it("gives an SDK script its inputs (none for a merged script, which runs with its defaults)", () => {
    expect(runOptions({ runner, description: sdkScript(), inputs: { region: "eu-1" }, env }).inputs).toEqual({ region: "eu-1" });
    expect(runOptions({ runner, description: sdkScript(), inputs: {}, env }).inputs).toEqual({});
  });

  it("allows the shortest of the server's, the repository's and the script's time limits", () => {
    expect(runOptions({ runner, description: null, inputs: {}, repositoryTimeoutMs: 30_000, env }).timeoutMs).toBe(30_000);
    expect(runOptions({ runner, description: sdkScript({ timeoutMs: 10_000 }), inputs: {}, repositoryTimeoutMs: 30_000, env }).timeoutMs).toBe(10_000);
    // A script or repository asking for more than the server allows gets the server's limit.
    expect(runOptions({ runner, description: sdkScript({ timeoutMs: 120_000 }), inputs: {}, repositoryTimeoutMs: 90_000, env }).timeoutMs).toBe(60_000);
  });

  it("redacts the app's secrets, the SCRIPT_ENV values and values given for secret inputs, nothing else", () => {
    const { redact } = runOptions({
      runner,
      appSecrets: ["app-private-key"],
      description: sdkScript(),
      inputs: { token: "tok-abcdef", region: "eu-west-1" },
      env,
    });
    expect(redact("key app-private-key db postgres://app:db-pass@db/prod token tok-abcdef region eu-west-1")).toBe(
      "key [REDACTED] db [REDACTED] token [REDACTED] region eu-west-1",
    );
  });

  it("redacts a value given for a secret input of an SDK script only", () => {
    // A plain script declares no inputs: a flag's value is not a secret it was given.
    const { redact } = runOptions({ runner, description: null, inputs: { token: "tok-abcdef" }, env });
    expect(redact("tok-abcdef")).toBe("tok-abcdef");
  });
});

describe("valuesToRedact", () => {
  it("is the app's secrets, the SCRIPT_ENV values and the secret inputs' values together", () => {
    expect(valuesToRedact({ appSecrets: ["app-key"], scriptEnvValues: ["db-url"], secretInputs: ["tok"] })).toEqual(["app-key", "db-url", "tok"]);
    expect(valuesToRedact({ scriptEnvValues: ["db-url"] })).toEqual(["db-url"]);
  });
});
