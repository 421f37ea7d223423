import { createPrivateKey } from "node:crypto";
import { resolve } from "node:path";
import { getPrivateKey } from "@probot/get-private-key";
import { z } from "zod";
import { DEFAULT_WORK_LIMITS, type WorkLimits } from "./checks/work-limits.js";
import type { RedisSettings } from "./redis/redis-client.js";
import { MIN_SECRET_LENGTH, tooShortToRedact } from "./runner/redact.js";
import { parseDurationSetting } from "./sdk/parse-duration.js";
import { DEFAULT_MAX_STATE_BYTES } from "./sdk/protocol.js";
import { PERMISSIONS, type Permission } from "./github/permission.js";

// Server settings, read from the environment once and validated, every problem at once, one line each.

/**
 * A duration in milliseconds from `90`, `90s`, `15m`, `2h`, `1d` (the SDK's parser): a bare
 * number keeps the setting's historical unit (seconds, or ms for a `…_MS` setting).
 */
const duration = (fallback: string, { bare = "s", minMs = 1 }: { bare?: "s" | "ms"; minMs?: number } = {}) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      try {
        const ms = parseDurationSetting(value, bare, minMs === 0);
        if (ms >= minMs) return ms;
        ctx.addIssue({ code: "custom", message: `must be at least ${minMs} ms` });
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
      }
      return z.NEVER;
    });
/**
 * A whole number within bounds, or "is invalid: expected …" in the setting's own terms, never
 * zod's "expected number, received NaN".
 */
const wholeNumber = (expected: string, { min = 1, max = Number.MAX_SAFE_INTEGER, fallback }: { min?: number; max?: number; fallback?: number } = {}) =>
  (fallback === undefined ? z.string() : z.string().default(String(fallback))).transform((value, ctx) => {
    const number = value.trim() === "" ? NaN : Number(value);
    if (Number.isSafeInteger(number) && number >= min && number <= max) return number;
    ctx.addIssue({ code: "custom", message: `expected ${expected}` });
    return z.NEVER;
  });
const list = z
  .string()
  .default("")
  .transform((value) =>
    value
      .split(",")
      .map((name) => name.trim())
      .filter((name) => name.length > 0),
  );

// The app's own credentials: a script must never be handed them, even by a careless SCRIPT_ENV.
const APP_SECRET_NAMES = [
  "PRIVATE_KEY",
  "PRIVATE_KEY_PATH",
  "WEBHOOK_SECRET",
  "DASHBOARD_PASSWORD",
  "METRICS_TOKEN",
  "REDIS_URL",
  "RESULT_WEBHOOK_SECRET",
  "GITHUB_CLIENT_SECRET",
  "SESSION_SECRET",
];

// Refused by `chorebot run` as by `chorebot start`: a script tried locally must fail as it would in production.
const scriptEnv = list.superRefine((names, ctx) => {
  const leaked = names.find((name) => APP_SECRET_NAMES.includes(name));
  if (leaked) ctx.addIssue({ code: "custom", message: `${leaked} is one of chorebot's own secrets` });
});

const runnerSchema = z.object({
  SCRIPT_CWD: z.string().default(process.cwd()),
  SCRIPT_ENV: scriptEnv,
  SCRIPT_TIMEOUT: duration("900"),
  OUTPUT_LIMIT: wholeNumber("a whole number of bytes, at least 1024", { min: 1024, fallback: 1024 * 1024 }),
  WORKFLOW_STATE_LIMIT: wholeNumber("a whole number of bytes, from 1024 to 16777216", { min: 1024, max: 16 * 1024 * 1024, fallback: DEFAULT_MAX_STATE_BYTES }),
});

// What `chorebot status` and `chorebot cancel` need: the server, and the dashboard's login (which /api/runs takes).
const clientSchema = z.object({
  // Unset or empty: the server on this machine.
  CHOREBOT_URL: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z.url({ protocol: /^https?$/, error: "expected an http(s) URL such as https://chorebot.example.com" }).default("http://127.0.0.1:3000"),
  ),
  DASHBOARD_USER: z.string().optional(),
  DASHBOARD_PASSWORD: z.string().optional(),
});

/** SCHEDULE_MIN_INTERVAL and SCHEDULE_MAX_ATTEMPTS when unset. */
export const DEFAULT_SCHEDULE_LIMITS: ScheduleLimits = { minIntervalMs: 60_000, maxAttempts: 5 };

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const serverSchema = runnerSchema.extend({
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
  APP_ID: wholeNumber("the GitHub App's numeric id (App settings → App ID)"),
  WEBHOOK_SECRET: z.string().min(1),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  REDIS_CLUSTER_NODES: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      const nodes = value
        .split(",")
        .map((entry) => entry.trim())
        .filter((entry) => entry.length > 0)
        .map((entry) => {
          const match = /^(.+):(\d+)$/.exec(entry);
          const port = Number(match?.[2]);
          return match && port > 0 && port <= 65535 ? { host: match[1]!.replace(/^\[|\]$/g, ""), port } : null;
        });
      if (nodes.length === 0 || nodes.some((node) => node === null)) {
        ctx.addIssue({ code: "custom", message: "expected a comma-separated list of host:port" });
        return z.NEVER;
      }
      return nodes as { host: string; port: number }[];
    }),
  GHE_HOST: z.string().optional(),
  GHE_PROTOCOL: z.enum(["http", "https"]).default("https"),
  PORT: wholeNumber("a port number from 0 to 65535", { min: 0, max: 65535, fallback: 3000 }),
  HOST: z.string().optional(),
  DASHBOARD_USER: z.string().optional(),
  DASHBOARD_PASSWORD: z.string().optional(),
  DASHBOARD_TRUST_PROXY: z.enum(["true", "false"]).default("false"),
  METRICS_TOKEN: z.string().optional(),
  WORKER_CONCURRENCY: wholeNumber("a whole number of scripts at once, at least 1", { fallback: 1 }),
  // Cleanups only wait on GitHub, and those in a process at once share their commits.
  CLEANUP_CONCURRENCY: wholeNumber("a whole number of cleanups at once, at least 1", { fallback: 16 }),
  REQUIRED_APPROVALS: wholeNumber("a whole number of approvals, at least 1", { fallback: 1 }),
  GITHUB_STEP_ATTEMPTS: wholeNumber("a whole number of attempts, at least 1", { fallback: 6 }),
  JOB_LOCK_MS: duration("30000", { bare: "ms", minMs: 500 }),
  RESULT_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  RESULT_WEBHOOK_SECRET: z.string().min(1).optional(),
  SHUTDOWN_GRACE: duration("30", { minMs: 0 }),
  QUEUE_PREFIX: z.string().min(1).default("{chorebot}"),
  // GitHub asks integrators to leave a second between writes; GHE admins may allow less.
  GITHUB_WRITE_INTERVAL_MS: duration("1000", { bare: "ms", minMs: 0 }),
  // What a pull request's check may spend on its code: heavy typed packages need more memory.
  CHECK_TIMEOUT: duration(String(DEFAULT_WORK_LIMITS.timeMs / 1000)),
  CHECK_MEMORY_LIMIT: wholeNumber("a whole number of megabytes, at least 128", { min: 128, fallback: DEFAULT_WORK_LIMITS.memoryMb }),
  JOB_RETENTION: duration("14d"),
  FAILED_JOB_RETENTION: duration("30d"),
  JOB_RETENTION_UNSAFE_SHORT: z.enum(["0", "1"]).default("0"),
  // Where a worker keeps outcomes Redis cannot take yet; unset or empty: a folder in the OS temp folder.
  // The chores pages: GitHub sign-in with the App's own OAuth credentials (the standard Probot names).
  GITHUB_CLIENT_ID: z.string().optional(),
  GITHUB_CLIENT_SECRET: z.string().optional(),
  SESSION_SECRET: z.string().min(32, "must be at least 32 characters (e.g. `openssl rand -hex 32`)").optional(),
  // chorebot's own address as browsers reach it: the OAuth callback, and Secure cookies when https.
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: "expected an http(s) URL such as https://chorebot.example.com" }).optional(),
  CHORES_PERMISSION: z.enum(PERMISSIONS.filter((p) => p !== "none") as [Permission, ...Permission[]]).default("write"),
  CHORE_FILE_LIMIT: wholeNumber("a whole number of bytes, at least 1", { fallback: 10 * 1024 * 1024 }),
  RUN_NAME_TTL: duration("1h"),
  // Schedules: the shortest interval between occurrences a chore may ask for, and the most tries per occurrence.
  SCHEDULE_MIN_INTERVAL: duration(`${DEFAULT_SCHEDULE_LIMITS.minIntervalMs / 1000}s`),
  SCHEDULE_RUN_RETENTION: duration("2d"),
  SCHEDULE_MAX_ATTEMPTS: wholeNumber("a whole number of tries, at least 1", { fallback: DEFAULT_SCHEDULE_LIMITS.maxAttempts }),
  RESULT_SPOOL_DIR: z
    .string()
    .optional()
    .transform((value) => (value ? resolve(value) : null)),
});

// GitHub lets an admin redeliver a webhook for 3 days (7 on GitHub Enterprise Server): records
// kept at least that long make a redelivery a no-op before the repository-side guard is needed.
const SAFE_RETENTION_MS = 7 * 24 * 3600 * 1000;

export interface RunnerConfig {
  scriptCwd: string;
  scriptEnv: string[];
  timeoutMs: number;
  outputLimit: number;
  /** The largest a workflow's state may be, as JSON (WORKFLOW_STATE_LIMIT): a step that leaves a larger one fails. */
  workflowStateLimit: number;
  /** The values of the SCRIPT_ENV variables: a script may print them, but nobody else sees them (see valuesToRedact). */
  scriptEnvValues: string[];
}

/**
 * Everything `chorebot start` and `chorebot worker` run with. Grouped where a part takes a
 * group whole (the runner's settings, where Redis is); start-app.ts gives each other part
 * only the settings it uses.
 */
export interface ServerConfig {
  /** How scripts run: the same settings `chorebot run` reads. */
  runner: RunnerConfig;
  /** Where the app's Redis is. */
  redis: RedisSettings;
  /** The app's own credentials (key, webhook secret, passwords, tokens): never handed to a script, never shown (see valuesToRedact). */
  appSecrets: string[];
  logLevel: LogLevel;
  appId: number;
  privateKey: string;
  webhookSecret: string;
  baseUrl: string;
  port: number;
  host: string | undefined;
  dashboard: { user: string; password: string; trustProxy: boolean } | null;
  /** The bearer token a /metrics scrape must send; without one /metrics is not served. */
  metricsToken: string | null;
  workerConcurrency: number;
  cleanupConcurrency: number;
  requiredApprovals: number;
  /** Tries of `process` and `cleanup` (GitHub-only steps) before they fail in the dashboard. */
  githubStepAttempts: number;
  /** A job lock's lifetime: a dead worker's running jobs are noticed (as stalled) after it. */
  lockMs: number;
  /** On SIGTERM, how long running scripts may go on before they are stopped. */
  shutdownGraceMs: number;
  /** Where each finished run is posted (signed with the secret), if anywhere. */
  resultWebhook: { url: string; secret: string } | null;
  queuePrefix: string;
  githubWriteIntervalMs: number;
  /** Computing time and heap of the pull request check's thread, per check. */
  checkLimits: WorkLimits;
  retention: Retention;
  /** Where workers keep outcomes Redis cannot take yet (RESULT_SPOOL_DIR), or null for the default in the OS temp folder. */
  resultSpoolDir: string | null;
  chores: ChoresConfig;
  schedules: ScheduleLimits;
}

/** What a chore's schedule may ask for on this server: a schedule beyond them is refused (and its chore not scheduled). */
export interface ScheduleLimits {
  /** The shortest time between two occurrences (SCHEDULE_MIN_INTERVAL). */
  minIntervalMs: number;
  /** The most tries per occurrence, the first included (SCHEDULE_MAX_ATTEMPTS). */
  maxAttempts: number;
}

/** The chores pages and on-demand runs. */
export interface ChoresConfig {
  /** GitHub sign-in (the App's OAuth client and the session key); null: the chores pages are not served. */
  signIn: { clientId: string; clientSecret: string; sessionSecret: string } | null;
  /** chorebot's address as browsers reach it (PUBLIC_URL, no trailing slash), or null: the App's registered callback URL is used. */
  publicUrl: string | null;
  /** GitHub's web address (https://github.com, or the GHE host): where people sign in and logs are linked. */
  webUrl: string;
  /** The lowest role that may run a chore, whatever a repository asks (CHORES_PERMISSION). */
  minPermission: Permission;
  /** The largest file a chore's file input takes (CHORE_FILE_LIMIT, bytes). */
  fileLimit: number;
  /** How long a run's name stays taken after the run ends (RUN_NAME_TTL). */
  runNameTtlMs: number;
}

/** How long finished runs stay in Redis before everything of theirs is removed. */
export interface Retention {
  /** Runs whose steps all completed. */
  completedMs: number;
  /** Runs with a failed step (the dashboard's Retry list). A failed cleanup is never removed. */
  failedMs: number;
  /** A scheduled chore's runs that completed (SCHEDULE_RUN_RETENTION, at most `completedMs`): the day's digest in git is their lasting record. */
  scheduledMs: number;
}

export class ConfigError extends Error {}

/** Settings missing or invalid: each problem on a line of its own. */
export class SettingsError extends ConfigError {}

/** Told about a setting chorebot starts with but cannot fully honour. */
export type Warn = (message: string) => void;

// One plain line on stderr, unless the caller takes it (`chorebot start` logs it, `chorebot run` prints it as its own).
const warnAtStartup: Warn = (message) => console.error(`chorebot: warning: ${message}`);

export function loadRunnerConfig(env: NodeJS.ProcessEnv = process.env, warn: Warn = warnAtStartup): RunnerConfig {
  const settings = parse(runnerSchema, env);
  warnUnredacted(settings.SCRIPT_ENV, env, warn);
  return toRunnerConfig(settings, env);
}

/** What `chorebot status` and `chorebot cancel` ask a running server with. */
export interface ClientConfig {
  /** The server's address (CHOREBOT_URL), without a trailing slash. */
  serverUrl: string;
  /** The dashboard's login, which /api/runs takes too; null unless both halves are set. */
  login: { user: string; password: string } | null;
}

export function loadClientConfig(env: NodeJS.ProcessEnv = process.env): ClientConfig {
  const settings = parse(clientSchema, env);
  return {
    serverUrl: settings.CHOREBOT_URL.replace(/\/+$/, ""),
    login: settings.DASHBOARD_USER && settings.DASHBOARD_PASSWORD ? { user: settings.DASHBOARD_USER, password: settings.DASHBOARD_PASSWORD } : null,
  };
}

export function loadServerConfig(env: NodeJS.ProcessEnv = process.env, warn: Warn = warnAtStartup): ServerConfig {
  const { values, problems } = parseEach(serverSchema, env);
  // Each check below runs on what parsed; a setting that did not parse was already named.
  const isSet = (name: string) => env[name] !== undefined;
  if (isSet("RESULT_WEBHOOK_URL") && !isSet("RESULT_WEBHOOK_SECRET")) {
    problems.push("RESULT_WEBHOOK_SECRET is required but not set (RESULT_WEBHOOK_URL is set)");
  }
  if (isSet("REDIS_URL") === isSet("REDIS_CLUSTER_NODES")) {
    problems.push(
      isSet("REDIS_URL")
        ? "REDIS_URL and REDIS_CLUSTER_NODES are both set; set only one of them"
        : "REDIS_URL (or REDIS_CLUSTER_NODES) is required but not set",
    );
  }
  for (const name of ["JOB_RETENTION", "FAILED_JOB_RETENTION"] as const) {
    const retention = values[name];
    if (retention !== undefined && retention < SAFE_RETENTION_MS && values.JOB_RETENTION_UNSAFE_SHORT !== "1") {
      problems.push(
        `${name} is invalid: below 7d a webhook GitHub redelivers could find its runs' records gone; set JOB_RETENTION_UNSAFE_SHORT=1 to allow it anyway`,
      );
    }
  }
  const signInParts = ["GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET", "SESSION_SECRET"].filter((name) => env[name]);
  if (signInParts.length > 0 && signInParts.length < 3) {
    problems.push(`GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET and SESSION_SECRET go together (the chores pages' sign-in); only ${signInParts.join(", ")} set`);
  }
  let privateKey = "";
  try {
    privateKey = readPrivateKey(env);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (problems.length > 0) throw new SettingsError(problems.join("\n"));
  const settings = values as z.infer<typeof serverSchema>;
  warnUnredacted(settings.SCRIPT_ENV, env, warn);
  const redisPassword = settings.REDIS_URL ? new URL(settings.REDIS_URL).password : "";
  const runner = toRunnerConfig(settings, env);
  const dashboard =
    settings.DASHBOARD_USER && settings.DASHBOARD_PASSWORD
      ? { user: settings.DASHBOARD_USER, password: settings.DASHBOARD_PASSWORD, trustProxy: settings.DASHBOARD_TRUST_PROXY === "true" }
      : null;
  return {
    runner,
    // Exactly one of them is set.
    redis: { redisUrl: settings.REDIS_URL ?? null, redisClusterNodes: settings.REDIS_CLUSTER_NODES ?? null },
    logLevel: settings.LOG_LEVEL,
    appId: settings.APP_ID,
    privateKey,
    webhookSecret: settings.WEBHOOK_SECRET,
    baseUrl: settings.GHE_HOST ? `${settings.GHE_PROTOCOL}://${settings.GHE_HOST}/api/v3` : "https://api.github.com",
    port: settings.PORT,
    host: settings.HOST,
    dashboard,
    metricsToken: settings.METRICS_TOKEN || null,
    workerConcurrency: settings.WORKER_CONCURRENCY,
    cleanupConcurrency: settings.CLEANUP_CONCURRENCY,
    requiredApprovals: settings.REQUIRED_APPROVALS,
    githubStepAttempts: settings.GITHUB_STEP_ATTEMPTS,
    lockMs: settings.JOB_LOCK_MS,
    shutdownGraceMs: settings.SHUTDOWN_GRACE,
    resultWebhook: settings.RESULT_WEBHOOK_URL ? { url: settings.RESULT_WEBHOOK_URL, secret: settings.RESULT_WEBHOOK_SECRET! } : null,
    queuePrefix: settings.QUEUE_PREFIX,
    githubWriteIntervalMs: settings.GITHUB_WRITE_INTERVAL_MS,
    checkLimits: { timeMs: settings.CHECK_TIMEOUT, memoryMb: settings.CHECK_MEMORY_LIMIT },
    retention: { completedMs: settings.JOB_RETENTION, failedMs: settings.FAILED_JOB_RETENTION, scheduledMs: settings.SCHEDULE_RUN_RETENTION },
    resultSpoolDir: settings.RESULT_SPOOL_DIR,
    chores: {
      signIn:
        settings.GITHUB_CLIENT_ID && settings.GITHUB_CLIENT_SECRET && settings.SESSION_SECRET
          ? { clientId: settings.GITHUB_CLIENT_ID, clientSecret: settings.GITHUB_CLIENT_SECRET, sessionSecret: settings.SESSION_SECRET }
          : null,
      publicUrl: settings.PUBLIC_URL?.replace(/\/+$/, "") ?? null,
      webUrl: settings.GHE_HOST ? `${settings.GHE_PROTOCOL}://${settings.GHE_HOST}` : "https://github.com",
      minPermission: settings.CHORES_PERMISSION,
      fileLimit: settings.CHORE_FILE_LIMIT,
      runNameTtlMs: settings.RUN_NAME_TTL,
    },
    schedules: { minIntervalMs: settings.SCHEDULE_MIN_INTERVAL, maxAttempts: settings.SCHEDULE_MAX_ATTEMPTS },
    appSecrets: [
      privateKey,
      settings.WEBHOOK_SECRET,
      settings.DASHBOARD_PASSWORD ?? "",
      settings.METRICS_TOKEN ?? "",
      decodeURIComponent(redisPassword),
      settings.RESULT_WEBHOOK_SECRET ?? "",
      settings.GITHUB_CLIENT_SECRET ?? "",
      settings.SESSION_SECRET ?? "",
    ].filter((value) => value.length > 0),
  };
}

function toRunnerConfig(settings: z.infer<typeof runnerSchema>, env: NodeJS.ProcessEnv): RunnerConfig {
  return {
    scriptCwd: settings.SCRIPT_CWD,
    scriptEnv: settings.SCRIPT_ENV,
    timeoutMs: settings.SCRIPT_TIMEOUT,
    outputLimit: settings.OUTPUT_LIMIT,
    workflowStateLimit: settings.WORKFLOW_STATE_LIMIT,
    // A script may print the values it was given; they are still secrets to everyone else.
    scriptEnvValues: settings.SCRIPT_ENV.map((name) => env[name] ?? "").filter((value) => value.length > 0),
  };
}

/**
 * A SCRIPT_ENV value too short to redact stays visible wherever a script prints it: say so at
 * startup, naming the variable, never its value.
 */
function warnUnredacted(names: readonly string[], env: NodeJS.ProcessEnv, warn: Warn): void {
  for (const name of names) {
    const value = env[name] ?? "";
    if (value === "" || !tooShortToRedact(value)) continue;
    warn(
      `SCRIPT_ENV variable ${name} is shorter than ${MIN_SECRET_LENGTH} characters, too short to redact without mangling ordinary output: ` +
        "what scripts print, log and return will show it wherever it appears. Give it a longer value, or leave it out of SCRIPT_ENV if it is no secret",
    );
  }
}

/** Every setting of `schema`, or a ConfigError naming each one missing or invalid (a line each). */
function parse<T extends z.ZodObject>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  const { values, problems } = parseEach(schema, env);
  if (problems.length > 0) throw new SettingsError(problems.join("\n"));
  return values as z.infer<T>;
}

/** Each setting on its own, so that one bad setting hides no other: what parsed, and a line per problem. */
function parseEach<T extends z.ZodObject>(schema: T, env: NodeJS.ProcessEnv): { values: Partial<z.infer<T>>; problems: string[] } {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  const settings: Record<string, z.ZodType> = schema.shape;
  for (const [name, setting] of Object.entries(settings)) {
    const result = setting.safeParse(env[name]);
    if (result.success) values[name] = result.data;
    else problems.push(`${name} ${env[name] === undefined ? "is required but not set" : `is invalid: ${result.error.issues[0]!.message}`}`);
  }
  return { values: values as Partial<z.infer<T>>, problems };
}

function readPrivateKey(env: NodeJS.ProcessEnv): string {
  let key: string | null;
  try {
    key = getPrivateKey({ env });
  } catch (error) {
    throw new ConfigError(`PRIVATE_KEY is invalid: ${(error as Error).message}`);
  }
  if (!key) throw new ConfigError("PRIVATE_KEY (or PRIVATE_KEY_PATH) is required but not set");
  try {
    createPrivateKey(key);
  } catch {
    // Never the key's content, nor crypto's message about it: only where it came from.
    const source = env.PRIVATE_KEY
      ? "PRIVATE_KEY"
      : env.PRIVATE_KEY_PATH
        ? "PRIVATE_KEY_PATH"
        : "PRIVATE_KEY_PATH (unset: the .pem file in the current directory)";
    throw new ConfigError(
      `${source} is invalid: not a PEM private key; expected the .pem file generated in the GitHub App's settings (Private keys → Generate a private key)`,
    );
  }
  return key;
}
