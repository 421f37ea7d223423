import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import type { RunnerConfig } from "../../../src/config.js";
import { envRefusal, runOptions, valuesToRedact } from "../../../src/runner/run-options.js";
import { runScript } from "../../../src/runner/run-script.js";
import { BASICS } from "../../../src/runner/script-env.js";
import type { ScriptDescription } from "../../../src/sdk/protocol.js";

const runner: RunnerConfig = {
  scriptCwd: "/srv/app",
  scriptEnv: ["DATABASE_URL", "UNSET"],
  timeoutMs: 60_000,
  outputLimit: 4096,
  workflowStateLimit: 1024 * 1024,
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
  env: null,
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

  it("tells a workflow its state limit, records its steps and gives its rollbacks time before SIGKILL; a plain script none of it", () => {
    const steps = [
      { name: "reserve", rollback: true, timeoutMs: 20_000 },
      { name: "email", rollback: false, timeoutMs: 60_000 },
    ];
    const options = runOptions({ runner: { ...runner, workflowStateLimit: 4096 }, description: sdkScript({ workflow: { steps } }), inputs: {}, env });
    expect(options.env.CHOREBOT_MAX_STATE_BYTES).toBe("4096");
    expect(options.workflow).toEqual({ steps, stateLimit: 4096 });
    expect(options.killGraceMs).toBe(25_000);
    const plain = runOptions({ runner, description: sdkScript(), inputs: {}, env });
    expect(plain.env).not.toHaveProperty("CHOREBOT_MAX_STATE_BYTES");
    expect(plain).not.toHaveProperty("workflow");
    expect(plain.killGraceMs).toBe(5000);
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

describe("runOptions and a script's env", () => {
  const wide: RunnerConfig = { ...runner, scriptEnv: ["DATABASE_URL", "STRIPE_KEY", "UNSET"], scriptEnvValues: ["postgres://app:db-pass@db/prod", "sk-test"] };
  const source = { ...env, STRIPE_KEY: "sk-test" };

  it("gives a script that declares env only those SCRIPT_ENV variables, with the basics", () => {
    expect(runOptions({ runner: wide, description: sdkScript({ env: ["STRIPE_KEY"] }), inputs: {}, env: source }).env).toEqual({
      PATH: "/usr/bin",
      HOME: "/home/app",
      STRIPE_KEY: "sk-test",
    });
    expect(runOptions({ runner: wide, description: sdkScript({ env: [] }), inputs: {}, env: source }).env).toEqual({ PATH: "/usr/bin", HOME: "/home/app" });
  });

  it("gives every SCRIPT_ENV variable to a script that declares no env, and to a description stored before env existed", () => {
    const all = { PATH: "/usr/bin", HOME: "/home/app", DATABASE_URL: "postgres://app:db-pass@db/prod", STRIPE_KEY: "sk-test" };
    expect(runOptions({ runner: wide, description: sdkScript(), inputs: {}, env: source }).env).toEqual(all);
    expect(runOptions({ runner: wide, description: null, inputs: {}, env: source }).env).toEqual(all);
    const { env: _, ...older } = sdkScript();
    expect(runOptions({ runner: wide, description: older as ScriptDescription, inputs: {}, env: source }).env).toEqual(all);
  });

  it("never gives what SCRIPT_ENV does not allow, whatever env asks for (chorebot's own secrets included)", () => {
    const options = runOptions({ runner: wide, description: sdkScript({ env: ["STRIPE_KEY", "PRIVATE_KEY", "NODE_OPTIONS"] }), inputs: {}, env: source });
    expect(options.env).toEqual({ PATH: "/usr/bin", HOME: "/home/app", STRIPE_KEY: "sk-test" });
  });

  it("still redacts every SCRIPT_ENV value, given or not", () => {
    const { redact } = runOptions({ runner: wide, description: sdkScript({ env: ["STRIPE_KEY"] }), inputs: {}, env: source });
    expect(redact("postgres://app:db-pass@db/prod sk-test")).toBe("[REDACTED] [REDACTED]");
  });

  it("a real child process sees only the variables its env asks for", async () => {
    const names = ["DATABASE_URL", "STRIPE_KEY", "EXTRA_ALLOWED"];
    const real: RunnerConfig = {
      scriptCwd: tmpdir(),
      scriptEnv: names,
      timeoutMs: 10_000,
      outputLimit: 65_536,
      workflowStateLimit: 1024 * 1024,
      scriptEnvValues: [],
    };
    const parent = { ...process.env, DATABASE_URL: "postgres://x", STRIPE_KEY: "sk-x", EXTRA_ALLOWED: "1", NOT_ALLOWED: "secret" };
    const seen = async (description: ScriptDescription | null) => {
      const result = await runScript({
        code: "console.log(JSON.stringify(Object.keys(process.env)));",
        ...runOptions({ runner: real, description, inputs: {}, env: parent }),
      });
      expect(result.status).toBe("succeeded");
      const keys = JSON.parse(result.output.lines[0]!.text) as string[];
      return keys.filter((key) => !key.startsWith("CHOREBOT_") && !BASICS.includes(key)).sort();
    };
    expect(await seen(sdkScript({ env: ["STRIPE_KEY"] }))).toEqual(["STRIPE_KEY"]);
    expect(await seen(sdkScript({ env: [] }))).toEqual([]);
    expect(await seen(sdkScript())).toEqual(["DATABASE_URL", "EXTRA_ALLOWED", "STRIPE_KEY"]);
    expect(await seen(null)).toEqual(["DATABASE_URL", "EXTRA_ALLOWED", "STRIPE_KEY"]);
  });
});

describe("envRefusal", () => {
  it("is null for a plain script, a script without env and one asking only for what SCRIPT_ENV allows", () => {
    expect(envRefusal(null, [])).toBeNull();
    expect(envRefusal(sdkScript(), [])).toBeNull();
    expect(envRefusal(sdkScript({ env: [] }), [])).toBeNull();
    expect(envRefusal(sdkScript({ env: ["DATABASE_URL"] }), ["STRIPE_KEY", "DATABASE_URL"])).toBeNull();
  });

  it("allows the basics every script gets anyway", () => {
    expect(envRefusal(sdkScript({ env: ["PATH", "HOME", "TZ"] }), [])).toBeNull();
  });

  it("names the one variable SCRIPT_ENV does not allow", () => {
    expect(envRefusal(sdkScript({ env: ["DATABASE_URL", "STRIPE_KEY"] }), ["DATABASE_URL"])).toBe(
      "the script's env asks for STRIPE_KEY, which SCRIPT_ENV does not allow: add it to SCRIPT_ENV or take it out of the script's env",
    );
  });

  it("names every variable SCRIPT_ENV does not allow, in the script's order", () => {
    expect(envRefusal(sdkScript({ env: ["STRIPE_KEY", "DATABASE_URL", "PRIVATE_KEY", "API_TOKEN"] }), ["DATABASE_URL"])).toBe(
      "the script's env asks for STRIPE_KEY, PRIVATE_KEY and API_TOKEN, which SCRIPT_ENV does not allow: add them to SCRIPT_ENV or take them out of the script's env",
    );
    expect(envRefusal(sdkScript({ env: ["A", "B"] }), [])).toMatch(/^the script's env asks for A and B, which/);
  });

  it("matches names exactly", () => {
    expect(envRefusal(sdkScript({ env: ["database_url"] }), ["DATABASE_URL"])).toMatch(/asks for database_url,/);
  });
});

describe("valuesToRedact", () => {
  it("is the app's secrets, the SCRIPT_ENV values and the secret inputs' values together", () => {
    expect(valuesToRedact({ appSecrets: ["app-key"], scriptEnvValues: ["db-url"], secretInputs: ["tok"] })).toEqual(["app-key", "db-url", "tok"]);
    expect(valuesToRedact({ scriptEnvValues: ["db-url"] })).toEqual(["db-url"]);
  });
});
