import { createNodeMiddleware, Probot } from "probot";
import type { Logger } from "pino";
import { createRunsApiHandler } from "./api/create-runs-api-handler.js";
import { createChoresApiHandler } from "./api/create-chores-api-handler.js";
import { RunStatusReader } from "./api/run-status-reader.js";
import { userTokenLookup } from "./auth/user-token.js";
import type { CheckSettings } from "./checks/analyze-pull-request.js";
import { ConfigError, type Retention, type ServerConfig } from "./config.js";
import { createDashboardHandler } from "./dashboard/create-dashboard-handler.js";
import { chorebotOctokit, type GitHubClient } from "./github/octokit.js";
import type { ServerLimits } from "./github/repo-config.js";
import { choreFormLimit, WEBHOOK_PATH } from "./http/body-limits.js";
import { FailedLogins } from "./http/failed-logins.js";
import { startHttpServer, type HttpServer } from "./http/start-http-server.js";
import { chorebotApp } from "./index.js";
import { createMetricsHandler } from "./metrics/create-metrics-handler.js";
import { countGitHubErrors } from "./metrics/run-metrics-store.js";
import { queuePush } from "./pipeline/queue-push.js";
import { openQueues, type Queues } from "./pipeline/queues.js";
import { defaultSpoolDir, FORCE_CLOSE_MS, startWorkers, type StopReport, type WorkerSettings, type Workers } from "./pipeline/start-workers.js";
import { checkRedisAtStartup } from "./redis/check-redis.js";
import { createMonitorClient } from "./redis/monitor-client.js";
import { listenForRedisErrors, logRedisErrors, redisWhere } from "./redis/redis-errors.js";
import { bullConnection, closeConnection, createRedisClient, type RedisSettings } from "./redis/redis-client.js";
import { startRedisMonitor, type RedisMonitor } from "./redis/redis-monitor.js";
import { settledWithin } from "./redis/stop-bounds.js";
import { Cancellations } from "./stores/cancellations.js";
import { Freezes } from "./stores/freezes.js";
import { ParkedRuns } from "./stores/parked-runs.js";
import type { ReviewDeciders } from "./github/handle-pull-request-review.js";
import { releaseFrozenRuns } from "./pipeline/release-frozen-runs.js";
import { RecentResults } from "./stores/recent-results.js";
import { spoolDirProblem } from "./stores/result-spool.js";
import { startTracing } from "./telemetry/start-tracing.js";
import { choresWeb, type ChoresWebSettings } from "./start-chores-web.js";
import { onDemand, type OnDemandSettings } from "./start-on-demand.js";
import { CommandGuard } from "./chatops/command-guard.js";
import { DEFAULT_COMMAND_RATE, RequestRate } from "./stores/request-rate.js";
import { ScheduleStates } from "./stores/schedule-states.js";
import { appBotLogin } from "./chatops/app-bot-login.js";
import { chorePages } from "./chatops/run-page.js";
import { componentLogger } from "./logger.js";

const NOTHING_LEFT: StopReport = { unrecorded: [], keptOnDisk: 0, spoolDir: "", logsPending: 0 };

// A worker's GitHub client per installation lives this long (it renews its own token).
const CLIENT_REUSE_MS = 10 * 60_000;

export interface RunningApp {
  /** The port the web server listens on, or null when this process runs only workers. */
  port: number | null;
  /**
   * Stops the web part, then the workers (see Workers.close: bounded whatever Redis does),
   * and says what was left undone.
   */
  stop(): Promise<StopReport>;
  /** How much longer than a plain script's the scripts running here now may take to stop (a workflow's rollbacks); 0 without workers. */
  rollbackTimeMs(): number;
}

/** What the web part (webhooks, the pull request check, dashboard, /api/runs, /metrics, /health) is started with. */
export interface WebSettings {
  port: number;
  host: string | undefined;
  /** Where Redis is, for the web part's own client (cancellation requests, /api/runs and /metrics reads). */
  redis: RedisSettings;
  prefix: string;
  /** GitHub's API address: /api/runs links a run's log under it. */
  baseUrl: string;
  /** The login of the dashboard and /api/runs; without one neither is served. */
  dashboard: { user: string; password: string; trustProxy: boolean } | null;
  metricsToken: string | null;
  /** A job lock's lifetime: the dashboard only retries a job whose lock has expired. */
  lockMs: number;
  /** How a push's discover job is queued. */
  push: { githubStepAttempts: number; retention: Retention };
  /** What the pull request check judges a change by. */
  checks: CheckSettings;
  /** The chores pages; null without sign-in settings (GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET, SESSION_SECRET). */
  chores: ChoresWebSettings | null;
  /** How on-demand runs are judged and queued, however they are asked for (page, comment, API). */
  onDemand: OnDemandSettings;
}

/** The workers' own settings; startApp adds what it shares with the web part (connection, GitHub clients, log, telemetry). */
export type WorkerPartSettings = Omit<WorkerSettings, "connection" | "octokitFor" | "log" | "telemetry">;

/**
 * What the server and the workers both judge runs by: the approvals a script needs, the longest a
 * run may take, the lowest role that may run a chore.
 */
function serverLimits(config: ServerConfig): ServerLimits {
  return { minApprovals: config.requiredApprovals, maxTimeoutMs: config.runner.timeoutMs, minChorePermission: config.chores.minPermission };
}

/** The web part's settings: no script settings beyond the check's, no secrets but the logins it checks. */
export function webSettings(config: ServerConfig): WebSettings {
  return {
    port: config.port,
    host: config.host,
    redis: config.redis,
    prefix: config.queuePrefix,
    baseUrl: config.baseUrl,
    dashboard: config.dashboard,
    metricsToken: config.metricsToken,
    lockMs: config.lockMs,
    push: { githubStepAttempts: config.githubStepAttempts, retention: config.retention },
    checks: {
      scriptCwd: config.runner.scriptCwd,
      scriptEnv: config.runner.scriptEnv,
      limits: serverLimits(config),
      workLimits: config.checkLimits,
      schedules: config.schedules,
    },
    chores: config.chores.signIn
      ? {
          ...config.chores,
          signIn: config.chores.signIn,
          apiUrl: config.baseUrl,
          prefix: config.queuePrefix,
          githubStepAttempts: config.githubStepAttempts,
        }
      : null,
    onDemand: {
      minPermission: config.chores.minPermission,
      fileLimit: config.chores.fileLimit,
      runNameTtlMs: config.chores.runNameTtlMs,
      prefix: config.queuePrefix,
      githubStepAttempts: config.githubStepAttempts,
      schedules: config.schedules,
    },
  };
}

/** The workers' settings: how scripts run and are recorded; no web logins or tokens. */
export function workerSettings(config: ServerConfig): WorkerPartSettings {
  return {
    redis: config.redis,
    prefix: config.queuePrefix,
    concurrency: config.workerConcurrency,
    cleanupConcurrency: config.cleanupConcurrency,
    runner: config.runner,
    appSecrets: config.appSecrets,
    githubStepAttempts: config.githubStepAttempts,
    limits: serverLimits(config),
    resultWebhook: config.resultWebhook,
    lockMs: config.lockMs,
    retention: config.retention,
    spoolDir: config.resultSpoolDir ?? defaultSpoolDir(config.redis, config.queuePrefix),
    runNameTtlMs: config.chores.runNameTtlMs,
    choresPublicUrl: config.chores.signIn ? config.chores.publicUrl : null,
    schedules: config.schedules,
  };
}

/**
 * Starts what this process should run: the web part (webhooks, dashboard) and/or the
 * workers. Any number of either may share one Redis.
 *
 * First it checks Redis (every master of a cluster): an evicting `maxmemory-policy` stops
 * it with a ConfigError, no persistence (or settings it cannot read) is one warning. Then a
 * monitor polls Redis for `/health`, `/metrics`, the webhooks and the once-a-minute line
 * while Redis refuses writes.
 */
export async function startApp(config: ServerConfig, parts: { web: boolean; workers: boolean }, log: Logger): Promise<RunningApp> {
  // Before anything starts: a spool it cannot write to would lose the outcomes Redis cannot take.
  if (parts.workers) {
    const problem = await spoolDirProblem(workerSettings(config).spoolDir!);
    if (problem) throw new ConfigError(`RESULT_SPOOL_DIR${config.resultSpoolDir === null ? " (unset: the OS temp folder's)" : ""} is invalid: ${problem}`);
  }
  const where = redisWhere(config.redis);
  logRedisErrors(componentLogger(log, "redis"), where);
  const monitorClient = createMonitorClient(config.redis);
  try {
    await checkRedisAtStartup(monitorClient, log, where);
  } catch (error) {
    monitorClient.disconnect();
    throw error;
  }
  const redisMonitor = await startRedisMonitor({ client: monitorClient, prefix: config.queuePrefix, log, where });
  // Options for a single Redis; a Cluster instance (shared by the queues, closed last) for a cluster.
  const connection = bullConnection(config.redis);
  // Counts GitHub API errors for /metrics, whichever process made the request.
  const metricsRedis = createRedisClient(config.redis);
  const ProbotWithSettings = Probot.defaults({
    appId: config.appId,
    privateKey: config.privateKey,
    secret: config.webhookSecret,
    baseUrl: config.baseUrl,
    log,
    Octokit: chorebotOctokit(config.githubWriteIntervalMs).plugin(
      countGitHubErrors(metricsRedis, config.queuePrefix, (err) => log.warn({ err }, "could not count a GitHub error")),
    ),
  });
  // Before any queue: each is given the telemetry (none when tracing is off).
  const tracing = await startTracing(log);
  const queues = openQueues(connection, config.queuePrefix, tracing.telemetry);
  listenForRedisErrors([...Object.values(queues.byName), queues.flows]);

  const web = parts.web ? await startWeb(webSettings(config), { queues, redisMonitor, probot: new ProbotWithSettings(), log }) : null;

  let workers: Workers | null = null;
  if (parts.workers) {
    const probot = new ProbotWithSettings();
    const clients = new RecentResults<GitHubClient>(CLIENT_REUSE_MS);
    workers = startWorkers({
      ...workerSettings(config),
      connection,
      // One client per installation, not one per job: building a client costs more than most
      // steps' requests, and each refreshes its installation token by itself.
      octokitFor: (installationId) => clients.get(String(installationId), () => probot.auth(installationId)),
      log: componentLogger(log, "worker"),
      telemetry: tracing.telemetry,
    });
  }

  return {
    port: web?.port ?? null,
    rollbackTimeMs: () => workers?.rollbackTimeMs() ?? 0,
    async stop() {
      await web?.stop();
      const report = (await workers?.close(config.shutdownGraceMs)) ?? NOTHING_LEFT;
      // A queue's close waits for what it sent to Redis: not for ever.
      await settledWithin(queues.close(), FORCE_CLOSE_MS);
      metricsRedis.disconnect();
      redisMonitor.stop();
      closeConnection(connection);
      // Last, so the spans of everything stopped above are exported too.
      await tracing.shutdown();
      return report;
    },
  };
}

/** The web part: Probot's webhook handlers and the HTTP routes behind chorebot's own server. */
async function startWeb(
  settings: WebSettings,
  shared: { queues: Queues; redisMonitor: RedisMonitor; probot: Probot; log: Logger },
): Promise<{ port: number; stop(): Promise<void> }> {
  const { queues, redisMonitor, log } = shared;
  // One count for everything behind the dashboard's login: 10 guesses in all, not 10 per surface.
  const failedLogins = new FailedLogins();
  const login = {
    user: settings.dashboard?.user,
    password: settings.dashboard?.password,
    trustProxy: settings.dashboard?.trustProxy ?? false,
    failedLogins,
  };
  // The web part only asks for cancellations (and decisions); workers listen for them.
  const redis = createRedisClient(settings.redis);
  // Parked runs: their jobs are titled by what they wait for, and a plain Retry of an interrupted one is refused.
  const parked = new ParkedRuns(redis, settings.prefix);
  const dashboard = createDashboardHandler({ queues: Object.values(queues.byName), lockMs: settings.lockMs, parked, ...login });
  if (!dashboard) log.warn("dashboard disabled: set DASHBOARD_USER and DASHBOARD_PASSWORD to serve /admin/queues");
  const metrics = createMetricsHandler({
    queues: Object.values(queues.byName),
    redis,
    prefix: settings.prefix,
    token: settings.metricsToken,
    redisHealth: () => redisMonitor.health(),
    // runsOnDemand is made below, before any scrape comes.
    schedules: {
      catalog: { repositories: () => runsOnDemand.catalog.repositories(), read: (owner, repo) => runsOnDemand.catalog.read(owner, repo) },
      states: new ScheduleStates(redis, settings.prefix),
      control: { next: (ref) => runsOnDemand.schedules.next(ref) },
    },
  });
  if (!metrics) log.warn("metrics disabled: set METRICS_TOKEN to serve /metrics");
  const cancellations = new Cancellations(redis, settings.prefix, { executeQueue: queues.byName.execute });
  const freezes = new Freezes(redis, settings.prefix);
  // Decisions on parked runs, from the API, comments and reviews: judged as starting the chore is (runsOnDemand is made below).
  const deciders: ReviewDeciders = {
    parked,
    execute: queues.byName.execute,
    catalog: { read: (owner, repo) => runsOnDemand.catalog.read(owner, repo) },
    permission: (repo, user) => runsOnDemand.permission(repo, user),
    requiredPermission: (catalog) => runsOnDemand.requiredPermission(catalog),
  };
  const runsApi = createRunsApiHandler({
    cancellations,
    deciders,
    status: { queues: queues.byName, redis, baseUrl: settings.baseUrl },
    // runsOnDemand is made below, before any request comes.
    names: { find: (repo, name) => runsOnDemand.names.find(repo, name), repositories: () => runsOnDemand.catalog.repositories() },
    freezes: {
      freezes,
      log: componentLogger(log, "freezes"),
      release: (repo) => releaseFrozenRuns(queues.byName.execute, freezes, repo),
    },
    ...login,
  });
  if (!settings.chores) log.warn("chores pages disabled: set GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET and SESSION_SECRET to serve /chores");
  const clients = new RecentResults<GitHubClient>(CLIENT_REUSE_MS);
  const octokitFor = (installationId: number) => clients.get(String(installationId), () => shared.probot.auth(installationId));
  const runsOnDemand = onDemand(settings.onDemand, { queues, redis, octokitFor, log: componentLogger(log, "schedules") });
  const chores = settings.chores
    ? choresWeb(settings.chores, { queues, redis, cancellations, onDemand: runsOnDemand, log: componentLogger(log, "chores") })
    : null;
  // The API for automation: served with or without the chores pages, judged by the same gate.
  const choresApi = createChoresApiHandler({
    onDemand: runsOnDemand,
    runs: new RunStatusReader({ queues: queues.byName, redis, baseUrl: settings.baseUrl }),
    identify: userTokenLookup({ apiUrl: settings.baseUrl }),
    trustProxy: login.trustProxy,
    publicUrl: settings.chores?.publicUrl ?? null,
    pagesServed: settings.chores !== null,
    log: componentLogger(log, "chores-api"),
    deciders,
  });
  // `/chorebot` comments: the same gate as the pages and the API; run pages linked when they are served.
  const botLogin = appBotLogin(() => shared.probot.auth());
  const chatOps = {
    onDemand: runsOnDemand,
    runs: new RunStatusReader({ queues: queues.byName, redis, baseUrl: settings.baseUrl }),
    cancellations,
    guard: new CommandGuard(redis, settings.prefix, botLogin),
    commandRate: new RequestRate(redis, settings.prefix, DEFAULT_COMMAND_RATE, "command-rate"),
    ...chorePages(settings.chores?.publicUrl ?? null),
    deciders,
  };
  const app = chorebotApp({
    queuePush: (push) => queuePush(queues.byName, push, settings.push),
    checks: settings.checks,
    dashboard,
    runsApi,
    choresApi,
    chatOps,
    reviews: deciders,
    metrics,
    chores: chores?.handlers ?? [],
    forgetRepositories: async (repositories) => {
      for (const { owner, repo } of repositories) {
        await runsOnDemand.schedules.removeRepository(owner, repo);
        await runsOnDemand.catalog.removeRepository(owner, repo);
      }
    },
    onRedisRefused: (error) => redisMonitor.noteRefused(error),
  });
  // Probot's middleware, not its Server: the server in front of it caps request bodies,
  // which @octokit/webhooks would read whole, however large.
  const handle = await createNodeMiddleware(app, { probot: shared.probot, webhooksPath: WEBHOOK_PATH });
  const server: HttpServer = await startHttpServer({
    port: settings.port,
    host: settings.host,
    log,
    handle,
    redis: redisMonitor,
    choreForm: settings.chores && chores ? { limit: choreFormLimit(settings.chores.fileLimit), admits: chores.signedIn } : null,
  });
  return {
    port: server.port,
    async stop() {
      await server.stop();
      await settledWithin(cancellations.close(), FORCE_CLOSE_MS);
      redis.disconnect();
    },
  };
}
