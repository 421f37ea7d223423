import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, loadClientConfig, loadRunnerConfig, loadServerConfig } from "../../src/config.js";
import { redisConnection } from "../../src/pipeline/queues.js";
import { generateAppKey } from "../helpers/app-key.js";

const key = generateAppKey();
const valid = {
  APP_ID: "42",
  PRIVATE_KEY: key,
  WEBHOOK_SECRET: "hook-secret",
  REDIS_URL: "redis://:redis%40pass@127.0.0.1:6390/2",
  DASHBOARD_USER: "ops",
  DASHBOARD_PASSWORD: "dash-pass",
  SCRIPT_ENV: "DATABASE_URL, MAX_SEATS,",
  DATABASE_URL: "postgres://app:db-pass@db/prod",
  SCRIPT_TIMEOUT: "60",
  GHE_HOST: "ghe.example.com",
  GHE_PROTOCOL: "http",
};

describe("loadServerConfig", () => {
  it("reads and normalises every setting", () => {
    const config = loadServerConfig(valid);
    expect(config).toMatchObject({
      appId: 42,
      webhookSecret: "hook-secret",
      baseUrl: "http://ghe.example.com/api/v3",
      runner: { scriptEnv: ["DATABASE_URL", "MAX_SEATS"], timeoutMs: 60_000 },
      logLevel: "info",
      dashboard: { user: "ops", password: "dash-pass", trustProxy: false },
      port: 3000,
      requiredApprovals: 1,
      githubStepAttempts: 6,
      queuePrefix: "{chorebot}",
    });
    expect(config.privateKey).toContain("PRIVATE KEY");
  });

  it("keeps the app's own secrets apart from the SCRIPT_ENV values", () => {
    const { appSecrets, runner } = loadServerConfig({ ...valid, METRICS_TOKEN: "scrape-token" });
    expect(appSecrets.sort()).toEqual([key, "hook-secret", "dash-pass", "scrape-token", "redis@pass"].sort());
    // MAX_SEATS is allowed but unset: no empty value to redact.
    expect(runner.scriptEnvValues).toEqual(["postgres://app:db-pass@db/prod"]);
  });

  it("reads the log level, and names one pino does not know", () => {
    expect(loadServerConfig({ ...valid, LOG_LEVEL: "debug" }).logLevel).toBe("debug");
    // Probot types LOG_LEVEL as pino's levels; the environment can hold anything.
    const loud: Record<string, string> = { ...valid, LOG_LEVEL: "loud" };
    expect(() => loadServerConfig(loud)).toThrow(/^LOG_LEVEL is invalid/);
  });

  it("defaults to github.com and leaves the dashboard off without credentials", () => {
    const { GHE_HOST, DASHBOARD_PASSWORD, ...rest } = valid;
    const config = loadServerConfig(rest);
    expect(config.baseUrl).toBe("https://api.github.com");
    expect(config.dashboard).toBeNull();
  });

  it("reads the metrics token, and none (metrics off) when it is unset or empty", () => {
    expect(loadServerConfig({ ...valid, METRICS_TOKEN: "scrape-token" }).metricsToken).toBe("scrape-token");
    expect(loadServerConfig(valid).metricsToken).toBeNull();
    expect(loadServerConfig({ ...valid, METRICS_TOKEN: "" }).metricsToken).toBeNull();
  });

  it("keeps finished runs 14 days, failed ones 30 and a schedule's completed ones 2 by default, and reads durations", () => {
    expect(loadServerConfig(valid).retention).toEqual({ completedMs: 14 * 86_400_000, failedMs: 30 * 86_400_000, scheduledMs: 2 * 86_400_000 });
    expect(loadServerConfig({ ...valid, JOB_RETENTION: "10d", FAILED_JOB_RETENTION: "60d", SCHEDULE_RUN_RETENTION: "12h" }).retention).toEqual({
      completedMs: 10 * 86_400_000,
      failedMs: 60 * 86_400_000,
      scheduledMs: 12 * 3_600_000,
    });
    // A bare number is seconds, as for SCRIPT_TIMEOUT.
    expect(loadServerConfig({ ...valid, JOB_RETENTION: "864000" }).retention.completedMs).toBe(864_000_000);
  });

  it("keeps a run's name taken an hour after the run ends by default, and reads RUN_NAME_TTL as a duration", () => {
    expect(loadServerConfig(valid).chores.runNameTtlMs).toBe(3_600_000);
    expect(loadServerConfig({ ...valid, RUN_NAME_TTL: "1d" }).chores.runNameTtlMs).toBe(86_400_000);
    expect(loadServerConfig({ ...valid, RUN_NAME_TTL: "90" }).chores.runNameTtlMs).toBe(90_000);
    expect(() => loadServerConfig({ ...valid, RUN_NAME_TTL: "an hour" })).toThrow(/^RUN_NAME_TTL is invalid/);
    expect(() => loadServerConfig({ ...valid, RUN_NAME_TTL: "0" })).toThrow(/^RUN_NAME_TTL is invalid/);
  });

  it("refuses a retention shorter than GitHub's redelivery window unless told it is meant", () => {
    expect(() => loadServerConfig({ ...valid, JOB_RETENTION: "3d" })).toThrow(/^JOB_RETENTION is invalid: below 7d .*JOB_RETENTION_UNSAFE_SHORT=1/);
    expect(() => loadServerConfig({ ...valid, FAILED_JOB_RETENTION: "6d23h" })).toThrow(/^FAILED_JOB_RETENTION is invalid: below 7d/);
    expect(loadServerConfig({ ...valid, JOB_RETENTION: "3s", FAILED_JOB_RETENTION: "3s", JOB_RETENTION_UNSAFE_SHORT: "1" }).retention).toEqual({
      completedMs: 3000,
      failedMs: 3000,
      scheduledMs: 2 * 86_400_000,
    });
    expect(() => loadServerConfig({ ...valid, JOB_RETENTION: "two weeks" })).toThrow(/^JOB_RETENTION is invalid: invalid duration/);
  });

  it.each([
    [{ APP_ID: undefined }, "APP_ID is required but not set"],
    [{ APP_ID: "abc" }, /^APP_ID is invalid/],
    [{ WEBHOOK_SECRET: undefined }, "WEBHOOK_SECRET is required but not set"],
    [{ REDIS_URL: "localhost:6379" }, /^REDIS_URL is invalid/],
    [{ PRIVATE_KEY: undefined }, /^PRIVATE_KEY \(or PRIVATE_KEY_PATH\) is required/],
    [{ SCRIPT_TIMEOUT: "-1" }, /^SCRIPT_TIMEOUT is invalid/],
    [{ SCRIPT_ENV: "DATABASE_URL,WEBHOOK_SECRET" }, "SCRIPT_ENV is invalid: WEBHOOK_SECRET is one of chorebot's own secrets"],
    [{ SCRIPT_ENV: "METRICS_TOKEN" }, "SCRIPT_ENV is invalid: METRICS_TOKEN is one of chorebot's own secrets"],
  ])("names the bad setting in one line: %o", (change, message) => {
    const env = { ...valid, ...change };
    expect(() => loadServerConfig(env)).toThrow(ConfigError);
    expect(() => loadServerConfig(env)).toThrow(message);
  });
});

describe("loadServerConfig with a private key that is no key", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "chorebot-key-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses a PRIVATE_KEY_PATH file that is not a PEM, naming the setting and never the content", async () => {
    const path = join(dir, "bad.pem");
    await writeFile(path, "notakey-content\n");
    const { PRIVATE_KEY, ...withoutKey } = valid;
    const env = { ...withoutKey, PRIVATE_KEY_PATH: path };
    expect(() => loadServerConfig(env)).toThrow(ConfigError);
    expect(() => loadServerConfig(env)).toThrow(/^PRIVATE_KEY_PATH is invalid: not a PEM private key/m);
    expect(() => loadServerConfig(env)).not.toThrow(/notakey-content/);
    // A real key in the same file starts.
    await writeFile(path, key);
    expect(loadServerConfig(env).privateKey).toBe(key);
  });

  it("refuses a PRIVATE_KEY with PEM armour around no key, naming PRIVATE_KEY and not its content", () => {
    // The generated key's own armour lines around a body that is no key.
    const lines = key.trim().split("\n");
    const broken = `${lines[0]}\nbrokenbody\n${lines.at(-1)}\n`;
    expect(broken).toMatch(/^-----BEGIN .*PRIVATE KEY-----\n/);
    expect(() => loadServerConfig({ ...valid, PRIVATE_KEY: broken })).toThrow(/^PRIVATE_KEY is invalid: not a PEM private key/m);
    expect(() => loadServerConfig({ ...valid, PRIVATE_KEY: broken })).not.toThrow(/brokenbody/);
  });
});

describe("loadServerConfig with a Redis Cluster", () => {
  const { REDIS_URL, ...withoutUrl } = valid;

  it("reads REDIS_CLUSTER_NODES instead of REDIS_URL", () => {
    const config = loadServerConfig({ ...withoutUrl, REDIS_CLUSTER_NODES: "10.0.0.1:7000, redis-b:7001,[::1]:7002" });
    expect(config.redis.redisUrl).toBeNull();
    expect(config.redis.redisClusterNodes).toEqual([
      { host: "10.0.0.1", port: 7000 },
      { host: "redis-b", port: 7001 },
      { host: "::1", port: 7002 },
    ]);
    expect(loadServerConfig(valid).redis).toEqual({ redisUrl: REDIS_URL, redisClusterNodes: null });
  });

  it.each([
    [{}, "REDIS_URL (or REDIS_CLUSTER_NODES) is required but not set"],
    [{ REDIS_URL, REDIS_CLUSTER_NODES: "10.0.0.1:7000" }, "REDIS_URL and REDIS_CLUSTER_NODES are both set; set only one of them"],
    [{ REDIS_CLUSTER_NODES: "10.0.0.1" }, /^REDIS_CLUSTER_NODES is invalid/],
    [{ REDIS_CLUSTER_NODES: " , " }, /^REDIS_CLUSTER_NODES is invalid/],
  ])("wants exactly one of REDIS_URL and REDIS_CLUSTER_NODES: %o", (change, message) => {
    expect(() => loadServerConfig({ ...withoutUrl, ...change })).toThrow(message);
  });
});

describe("loadRunnerConfig", () => {
  it("needs no GitHub or Redis settings (chorebot run works on a fresh machine)", () => {
    const config = loadRunnerConfig({ SCRIPT_ENV: "MAX_SEATS", MAX_SEATS: "12345" });
    expect(config).toMatchObject({ scriptEnv: ["MAX_SEATS"], timeoutMs: 900_000, outputLimit: 1024 * 1024, scriptEnvValues: ["12345"] });
  });

  it("refuses a SCRIPT_ENV naming one of chorebot's own secrets, as loadServerConfig does", () => {
    const env = { SCRIPT_ENV: "MAX_SEATS,WEBHOOK_SECRET", WEBHOOK_SECRET: "abcdefgh" };
    expect(() => loadRunnerConfig(env)).toThrow(ConfigError);
    expect(() => loadRunnerConfig(env)).toThrow("SCRIPT_ENV is invalid: WEBHOOK_SECRET is one of chorebot's own secrets");
  });
});

describe("redisConnection", () => {
  it("turns a URL into BullMQ connection options", () => {
    expect(redisConnection("rediss://user:p%40ss@cache.internal:6380/3")).toMatchObject({
      host: "cache.internal",
      port: 6380,
      username: "user",
      password: "p@ss",
      db: 3,
      tls: {},
      maxRetriesPerRequest: null,
    });
    expect(redisConnection("redis://127.0.0.1")).toMatchObject({ host: "127.0.0.1", port: 6379, db: 0, tls: undefined });
  });
});

describe("loadClientConfig", () => {
  it("asks the server on this machine unless CHOREBOT_URL says another, without a trailing slash", () => {
    expect(loadClientConfig({}).serverUrl).toBe("http://127.0.0.1:3000");
    expect(loadClientConfig({ CHOREBOT_URL: "" }).serverUrl).toBe("http://127.0.0.1:3000");
    expect(loadClientConfig({ CHOREBOT_URL: "https://bot.example.com/chorebot//" }).serverUrl).toBe("https://bot.example.com/chorebot");
  });

  it("has the dashboard's login only when both halves are set", () => {
    expect(loadClientConfig({ DASHBOARD_USER: "ops", DASHBOARD_PASSWORD: "dash-pass" }).login).toEqual({ user: "ops", password: "dash-pass" });
    expect(loadClientConfig({ DASHBOARD_USER: "ops" }).login).toBeNull();
    expect(loadClientConfig({ DASHBOARD_PASSWORD: "", DASHBOARD_USER: "ops" }).login).toBeNull();
  });

  it.each(["bot.example.com", "ftp://bot.example.com"])("names a CHOREBOT_URL that is no http(s) address: %s", (url) => {
    expect(() => loadClientConfig({ CHOREBOT_URL: url })).toThrow(/^CHOREBOT_URL is invalid/);
  });
});
