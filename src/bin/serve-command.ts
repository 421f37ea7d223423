import { loadServerConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { FLUSH_MS, FORCE_CLOSE_MS, SCRIPT_STOP_MS, type StopReport } from "../pipeline/start-workers.js";
import { startApp } from "../start-app.js";
import { expectArguments, type Command } from "./command.js";

/**
 * Past SHUTDOWN_GRACE, the most stopping may take: scripts stopped and their outcomes stored
 * or kept on disk (SCRIPT_STOP_MS), their logs committed while Redis answers (FLUSH_MS), the
 * web server's open requests and the connections closed. A Redis that does not answer makes
 * it short (no flush). The process exits at this bound whatever is still waiting, as a last
 * resort: stopping is bounded by design (Workers.close), this only catches what is not
 * (a tracing exporter that hangs, say).
 */
export function stopBoundMs(shutdownGraceMs: number): number {
  return shutdownGraceMs + SCRIPT_STOP_MS + FLUSH_MS + STOP_OVERHEAD_MS;
}
// The web server's close (2 s for open requests), the bounded closes of connections, tracing.
const STOP_OVERHEAD_MS = 5_000 + 3 * FORCE_CLOSE_MS;

/** The line a stop ends with, and the exit code: 1 when an outcome is neither in Redis nor on disk. */
export function stopOutcome(report: StopReport): { level: "info" | "warn" | "error"; msg: string; code: number } {
  const left: string[] = [];
  if (report.keptOnDisk > 0) left.push(`${report.keptOnDisk} outcome(s) kept on disk in ${report.spoolDir}, recorded by the next worker started on this host`);
  if (report.logsPending > 0) left.push(`${report.logsPending} run log(s) not committed yet, their cleanup jobs queued`);
  if (report.unrecorded.length > 0) {
    const runs = report.unrecorded.join(", ");
    return {
      level: "error",
      code: 1,
      msg: `stopped with ${report.unrecorded.length} run(s) not recorded (${runs}): their outcome is neither in Redis nor on disk, so they will be recorded as lost (or as not started)${left.length ? `; also left: ${left.join("; ")}` : ""}`,
    };
  }
  if (left.length > 0) return { level: "warn", code: 0, msg: `stopped; left for Redis: ${left.join("; ")}` };
  return { level: "info", code: 0, msg: "stopped" };
}

/** `chorebot start` and `chorebot worker`: runs the parts asked for until SIGTERM or SIGINT. */
async function serve(parts: { web: boolean; workers: boolean }): Promise<number> {
  // Warnings about the settings wait for the logger, which takes its level from them.
  const warnings: string[] = [];
  const config = loadServerConfig(process.env, (message) => warnings.push(message));
  const log = createLogger(config.logLevel);
  for (const warning of warnings) log.warn(warning);
  const app = await startApp(config, parts, log);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      // A workflow stopped after the grace has its rollbacks' time too.
      const boundMs = stopBoundMs(config.shutdownGraceMs) + app.rollbackTimeMs();
      log.info(
        `${signal} received, stopping: running scripts get SHUTDOWN_GRACE (${config.shutdownGraceMs / 1000} s), then their logs are committed while Redis answers; within ${Math.round(boundMs / 1000)} s at most (send it again to stop at once)`,
      );
      // A second signal: the operator will not wait.
      const now = (again: string) => {
        log.warn(`${again} received again, exiting without waiting`);
        process.exit(1);
      };
      process.once("SIGTERM", now);
      process.once("SIGINT", now);
      setTimeout(() => {
        log.error(`could not stop within ${Math.round(boundMs / 1000)} s; exiting with work left unrecorded here`);
        process.exit(1);
      }, boundMs).unref();
      resolve();
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
  const { level, msg, code } = stopOutcome(await app.stop());
  log[level](msg);
  // Any client BullMQ or Probot still holds (one waiting on an unreachable Redis) must not keep a stopped server alive.
  process.exit(code);
}

const SERVER_SETTINGS: Command["settings"] = [
  ["APP_ID", "the GitHub App's id (required)"],
  ["PRIVATE_KEY or PRIVATE_KEY_PATH", "its private key (PEM, newlines as \\n), or a file holding it (required)"],
  ["REDIS_URL or REDIS_CLUSTER_NODES", "redis:// or rediss:// URL of the Redis BullMQ uses, or a cluster's host:port,… seed nodes (required)"],
  ["QUEUE_PREFIX", "key prefix shared by every process of one deployment (default {chorebot})"],
  ["SCRIPT_CWD", "the production app's directory: scripts run there and resolve its packages (default: current directory)"],
  ["SCRIPT_ENV", "comma-separated names of the environment variables scripts may see; their values are redacted"],
  ["SCRIPT_TIMEOUT", "how long a script may run: 90, 90s, 15m, 2h (a bare number is seconds; default 15m)"],
  ["SHUTDOWN_GRACE", "how long running scripts go on after SIGTERM/SIGINT before they are cancelled (default 30s)"],
  ["WORKER_CONCURRENCY", "jobs per queue this process runs at once (default 1)"],
  ["LOG_LEVEL", "fatal, error, warn, info (default), debug, trace or silent"],
];

const WEB_SETTINGS: Command["settings"] = [
  ["WEBHOOK_SECRET", "the GitHub App's webhook secret (required)"],
  ["PORT, HOST", "where webhooks, the dashboard, /api, /metrics and /health are served (default 3000, all interfaces)"],
  ["DASHBOARD_USER, DASHBOARD_PASSWORD", "the login of /admin/queues and /api; without both neither is served"],
  ["METRICS_TOKEN", "the bearer token /metrics requires; without it /metrics is not served"],
  ["CHECK_TIMEOUT", "computing time the pull request check may spend on one pull request (default 60s)"],
];

const ALL_SETTINGS = "Every setting, with its default: the README's settings table and .env.example.";

export const startCommand: Command = {
  usage: "[--no-workers]",
  summary:
    "Serve webhooks, the pull request check, the dashboard, /api, /metrics and /health, and (unless --no-workers) run the workers, until SIGTERM or SIGINT.",
  options: { "no-workers": { type: "boolean", default: false } },
  optionHelp: { "--no-workers": "serve only; run the workers elsewhere with `chorebot worker`" },
  settings: [...SERVER_SETTINGS.slice(0, 1), ...WEB_SETTINGS.slice(0, 1), ...SERVER_SETTINGS.slice(1), ...WEB_SETTINGS.slice(1)],
  readsDotEnv: true,
  notes: ALL_SETTINGS,
  run: (positionals, values) => {
    expectArguments(positionals, 0);
    return serve({ web: true, workers: !values["no-workers"] });
  },
};

export const workerCommand: Command = {
  usage: "",
  summary: "Run only the workers (they run the scripts), until SIGTERM or SIGINT; any number of them may share one Redis.",
  options: {},
  settings: SERVER_SETTINGS,
  readsDotEnv: true,
  notes: `WEBHOOK_SECRET is required here too (the same settings for every process). ${ALL_SETTINGS}`,
  run: (positionals) => {
    expectArguments(positionals, 0);
    return serve({ web: false, workers: true });
  },
};
