import { createNodeMiddleware, Probot } from "probot";
import { createRunsApiHandler } from "./api/create-runs-api-handler.js";
import { createMetricsHandler } from "./metrics/create-metrics-handler.js";
import { countGitHubErrors } from "./metrics/run-metrics-store.js";
import { Cancellations } from "./stores/cancellations.js";
import type { Logger } from "pino";
import type { ServerConfig } from "./config.js";
import { createDashboardHandler } from "./dashboard/create-dashboard-handler.js";
import { FailedLogins } from "./http/failed-logins.js";
import { chorebotOctokit, type GitHubClient } from "./github/octokit.js";
import { WEBHOOK_PATH } from "./http/body-limits.js";
import { startHttpServer, type HttpServer } from "./http/start-http-server.js";
import { chorebotApp } from "./index.js";
import { queuePush } from "./pipeline/queue-push.js";
import { openQueues } from "./pipeline/queues.js";
import { bullConnection, closeConnection, createRedisClient, type RedisClient } from "./redis/redis-client.js";
import { RecentResults } from "./stores/recent-results.js";
import { startWorkers, type Workers } from "./pipeline/start-workers.js";
import { checkRedisAtStartup } from "./redis/check-redis.js";
import { createMonitorClient } from "./redis/monitor-client.js";
import { startRedisMonitor } from "./redis/redis-monitor.js";
import { startTracing } from "./telemetry/start-tracing.js";

// A worker's GitHub client per installation lives this long (it renews its own token).
const CLIENT_REUSE_MS = 10 * 60_000;

export interface RunningApp {
  /** The port the web server listens on, or null when this process runs only workers. */
  port: number | null;
  stop(): Promise<void>;
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
  const monitorClient = createMonitorClient(config);
  try {
    await checkRedisAtStartup(monitorClient, log);
  } catch (error) {
    monitorClient.disconnect();
    throw error;
  }
  const redisMonitor = await startRedisMonitor({ client: monitorClient, prefix: config.queuePrefix, log });
  // Options for a single Redis; a Cluster instance (shared by the queues, closed last) for a cluster.
  const connection = bullConnection(config);
  // Counts GitHub API errors for /metrics, whichever process made the request.
  const metricsRedis = createRedisClient(config);
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
  const limits = { minApprovals: config.requiredApprovals, maxTimeoutMs: config.timeoutMs };
  // Before any queue: each is given the telemetry (none when tracing is off).
  const tracing = await startTracing(log);
  const queues = openQueues(connection, config.queuePrefix, tracing.telemetry);

  let server: HttpServer | null = null;
  let cancelRedis: RedisClient | null = null;
  let cancellations: Cancellations | null = null;
  if (parts.web) {
    // One count for everything behind the dashboard's login: 10 guesses in all, not 10 per surface.
    const failedLogins = new FailedLogins();
    const dashboard = createDashboardHandler({
      queues: Object.values(queues.byName),
      lockMs: config.lockMs,
      user: config.dashboard?.user,
      password: config.dashboard?.password,
      trustProxy: config.dashboard?.trustProxy ?? false,
      failedLogins,
    });
    if (!dashboard) log.warn("dashboard disabled: set DASHBOARD_USER and DASHBOARD_PASSWORD to serve /admin/queues");
    // The web part only asks for cancellations; workers listen for them.
    cancelRedis = createRedisClient(config);
    const metrics = createMetricsHandler({
      queues: Object.values(queues.byName),
      redis: cancelRedis,
      prefix: config.queuePrefix,
      token: config.metricsToken,
      redisHealth: () => redisMonitor.health(),
    });
    if (!metrics) log.warn("metrics disabled: set METRICS_TOKEN to serve /metrics");
    cancellations = new Cancellations(cancelRedis, config.queuePrefix, { executeQueue: queues.byName.execute });
    const runsApi = createRunsApiHandler({
      cancellations,
      status: { queues: queues.byName, redis: cancelRedis, baseUrl: config.baseUrl },
      user: config.dashboard?.user,
      password: config.dashboard?.password,
      trustProxy: config.dashboard?.trustProxy ?? false,
      failedLogins,
    });
    const checks = { scriptCwd: config.scriptCwd, scriptEnv: config.scriptEnv, limits, workLimits: config.checkLimits };
    const app = chorebotApp({
      queuePush: (push) => queuePush(queues.byName.discover, push, config),
      checks,
      dashboard,
      runsApi,
      metrics,
      onRedisRefused: (error) => redisMonitor.noteRefused(error),
    });
    // Probot's middleware, not its Server: the server in front of it caps request bodies,
    // which @octokit/webhooks would read whole, however large.
    const handle = await createNodeMiddleware(app, { probot: new ProbotWithSettings(), webhooksPath: WEBHOOK_PATH });
    server = await startHttpServer({ port: config.port, host: config.host, log, handle, redis: redisMonitor });
  }

  let workers: Workers | null = null;
  if (parts.workers) {
    const probot = new ProbotWithSettings();
    const clients = new RecentResults<GitHubClient>(CLIENT_REUSE_MS);
    workers = startWorkers({
      connection,
      redis: config,
      prefix: config.queuePrefix,
      concurrency: config.workerConcurrency,
      cleanupConcurrency: config.cleanupConcurrency,
      runner: config,
      appSecrets: config.appSecrets,
      githubStepAttempts: config.githubStepAttempts,
      limits,
      resultWebhook: config.resultWebhook,
      lockMs: config.lockMs,
      retention: config.retention,
      // One client per installation, not one per job: building a client costs more than most
      // steps' requests, and each refreshes its installation token by itself.
      octokitFor: (installationId) => clients.get(String(installationId), () => probot.auth(installationId)),
      log: log.child({ name: "worker" }),
      telemetry: tracing.telemetry,
    });
  }

  return {
    port: server?.port ?? null,
    async stop() {
      await server?.stop();
      await workers?.close(config.shutdownGraceMs);
      await cancellations?.close();
      cancelRedis?.disconnect();
      await queues.close();
      metricsRedis.disconnect();
      redisMonitor.stop();
      closeConnection(connection);
      // Last, so the spans of everything stopped above are exported too.
      await tracing.shutdown();
    },
  };
}
