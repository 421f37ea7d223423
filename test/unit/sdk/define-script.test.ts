import { describe, expect, test } from "vitest";
import { defineScript, describeScript, isDefinedScript } from "../../../src/sdk/define-script.js";
import { bool, file, float, int, string } from "../../../src/sdk/inputs.js";
import { parseDuration } from "../../../src/sdk/parse-duration.js";

describe("parseDuration", () => {
  test.each([
    [90, 90_000],
    [0.5, 500],
    ["90s", 90_000],
    ["20m", 1_200_000],
    ["2h", 7_200_000],
    ["1.5h", 5_400_000],
    ["1h30m", 5_400_000],
    ["1h 30m", 5_400_000],
    ["250ms", 250],
    ["1d", 86_400_000],
    [" 5s ", 5000],
  ])("%j → %d ms", (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  test.each([["20"], ["m"], ["20 minutes"], ["-5s"], ["0s"], [0], [-1], [Number.NaN], [Infinity], [""], ["5s x"]])("%j is rejected", (input) => {
    expect(() => parseDuration(input)).toThrow(/invalid duration/);
  });
});

describe("defineScript", () => {
  test("marks the definition with Symbol.for('chorebot.script')", () => {
    const script = defineScript({ run: () => 1 });
    expect((script as unknown as Record<symbol, unknown>)[Symbol.for("chorebot.script")]).toBe(true);
    expect(isDefinedScript(script)).toBe(true);
    expect(isDefinedScript({ run: () => 1 })).toBe(false);
    expect(isDefinedScript(null)).toBe(false);
  });

  test("rejects bad definitions at once", () => {
    expect(() => defineScript({ timeout: "soon", run() {} })).toThrow(/invalid duration/);
    expect(() => defineScript({ concurrency: "many" as "none", run() {} })).toThrow(/concurrency must be one of/);
    expect(() => defineScript({} as never)).toThrow(/run/);
    expect(() => defineScript({ inputs: { a: "string" as never }, run() {} })).toThrow(/input "a" is not an input/);
  });

  test.each([
    ["DATABASE_URL" as never, 'defineScript: env must be an array of variable names like ["DATABASE_URL"], got "DATABASE_URL"'],
    [null as never, 'defineScript: env must be an array of variable names like ["DATABASE_URL"], got null'],
    [["DATABASE_URL", 5] as never, "defineScript: env[1]: 5 is not an environment variable name"],
    [["DATABASE URL"], 'defineScript: env[0]: "DATABASE URL" is not an environment variable name'],
    [[""], 'defineScript: env[0]: "" is not an environment variable name'],
    [["9LIVES"], 'defineScript: env[0]: "9LIVES" is not an environment variable name'],
    [["A=1"], 'defineScript: env[0]: "A=1" is not an environment variable name'],
    [["A", "B", "A"], "defineScript: env[2]: A is listed twice"],
    // eslint-disable-next-line no-sparse-arrays -- a hole is undefined at run time
    [["A", , "B"] as never, "defineScript: env[1]: undefined is not an environment variable name"],
    [[Symbol("A")] as never, "defineScript: env[0]: Symbol(A) is not an environment variable name"],
  ])("rejects env %o at once", (env, message) => {
    expect(() => defineScript({ env, run() {} })).toThrow(message);
  });

  test("takes env as distinct variable names, readonly arrays too", () => {
    const names = ["DATABASE_URL", "_private", "stripe_key2"] as const;
    expect(defineScript({ env: names, run() {} }).env).toBe(names);
    expect(defineScript({ env: [], run() {} }).env).toEqual([]);
  });
});

describe("describeScript", () => {
  test("no functions, patterns as source, defaults, secret flag, timeout in ms", () => {
    const script = defineScript({
      description: "Re-send welcome emails",
      inputs: {
        since: string({ required: true, validate: () => true, pattern: /^\d{4}-/, description: "ISO date" }),
        limit: int({ default: 100, min: 1, max: 1000 }),
        ratio: float({ optional: true }),
        dryRun: bool({ default: false }),
        ids: file({ optional: true }),
        env: string({ choices: ["staging", "production"] as const }),
        token: string({ secret: true, default: "dev-token" }),
      },
      concurrency: "global",
      timeout: "20m",
      run: () => undefined,
    });
    const description = describeScript(script);
    expect(description).toEqual({
      description: "Re-send welcome emails",
      inputs: {
        since: { type: "string", required: true, pattern: "^\\d{4}-", description: "ISO date" },
        limit: { type: "int", required: false, default: 100, min: 1, max: 1000 },
        ratio: { type: "float", required: false },
        dryRun: { type: "bool", required: false, default: false },
        ids: { type: "file", required: false },
        env: { type: "string", required: true, choices: ["staging", "production"] },
        token: { type: "string", required: false, secret: true },
      },
      concurrency: "global",
      timeoutMs: 1_200_000,
      env: null,
      schedule: null,
      approval: null,
      iteration: null,
      workflow: null,
    });
    expect(JSON.parse(JSON.stringify(description))).toEqual(description);
  });

  test("a pattern's flags beside its source, only when it has some", () => {
    const inputs = {
      plain: string({ pattern: /^acct_\d+$/ }),
      folded: string({ pattern: /^acct_\d+$/i }),
      // Written in any order, described in the canonical one.
      many: string({ pattern: /^\p{L}+$/gimsuy }),
    };
    const described = describeScript(defineScript({ inputs, run() {} })).inputs;
    expect(described.plain).toStrictEqual({ type: "string", required: true, pattern: "^acct_\\d+$" });
    expect(JSON.stringify(described.plain)).toBe('{"type":"string","required":true,"pattern":"^acct_\\\\d+$"}');
    expect(described.folded).toStrictEqual({ type: "string", required: true, pattern: "^acct_\\d+$", flags: "i" });
    expect(described.many).toMatchObject({ pattern: "^\\p{L}+$", flags: "gimsuy" });
  });

  test("defaults: no description, self, no timeout, env not declared, no schedule", () => {
    expect(describeScript(defineScript({ run() {} }))).toStrictEqual({
      description: null,
      inputs: {},
      concurrency: "self",
      timeoutMs: null,
      env: null,
      schedule: null,
      approval: null,
      iteration: null,
      workflow: null,
    });
    expect(describeScript(defineScript({ timeout: 90, run() {} })).timeoutMs).toBe(90_000);
  });

  test("env as declared, in its order, as a copy", () => {
    const env = ["STRIPE_KEY", "DATABASE_URL"];
    const description = describeScript(defineScript({ env, run() {} }));
    expect(description.env).toStrictEqual(["STRIPE_KEY", "DATABASE_URL"]);
    expect(description.env).not.toBe(env);
    expect(describeScript(defineScript({ env: [], run() {} })).env).toStrictEqual([]);
  });
});

describe("a schedule in defineScript", () => {
  test("is described with its defaults: UTC, one try, retry on failed, skip, latest, no inputs", () => {
    expect(describeScript(defineScript({ schedule: { cron: "0 3 * * *" }, run() {} })).schedule).toStrictEqual({
      cron: "0 3 * * *",
      everyMs: null,
      timezone: "UTC",
      retries: { attempts: 1, backoff: "fixed", delayMs: 0 },
      retryOn: ["failed"],
      overlap: "skip",
      catchUp: "latest",
      inputs: {},
    });
    expect(describeScript(defineScript({ schedule: { every: "15m", retries: { attempts: 3, delay: 30 } }, run() {} })).schedule).toMatchObject({
      cron: null,
      everyMs: 900_000,
      retries: { attempts: 3, backoff: "fixed", delayMs: 30_000 },
    });
  });

  test("is checked when the script is defined, the option named", () => {
    const define = (schedule: unknown) => () => defineScript({ schedule: schedule as never, run() {} });
    expect(define({ cron: "0 3 * * *", every: "1h" })).toThrow("defineScript: schedule needs exactly one of `cron` and `every`");
    expect(define({ every: "1h", retries: { attempts: 0 } })).toThrow("defineScript: schedule.retries.attempts must be a whole number");
    expect(define({ every: "1h", inputs: { limit: [1] } })).toThrow("defineScript: schedule.inputs.limit must be a string, number or boolean");
    expect(define({ every: "1h", timezone: "UTC" })).toThrow("timezone goes with `cron`");
    expect(define("daily")).toThrow("schedule must be an object");
  });
});
