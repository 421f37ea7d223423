import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Job, Queue, QueueEvents, type ConnectionOptions } from "bullmq";
import { Cluster } from "ioredis";
import type { CleanupResult } from "../../src/pipeline/job-data.js";
import { openQueue, QUEUE_NAMES, type QueueName } from "../../src/pipeline/queues.js";
import { runIdFor } from "../../src/pipeline/run-id.js";
import { generateAppKey } from "../helpers/app-key.js";
import { startRedisCluster, type TestRedisCluster } from "../helpers/redis-cluster.js";
import { freePort, startRedis, type TestRedis } from "../helpers/redis-server.js";
import { sendWebhook, startGitHubStandIn, type FileContent, type GitHubStandIn, type StandInOptions } from "../github-stand-in/index.js";
import { startBeacon, type Beacon } from "./beacon.js";
import { spawnChorebot, type ChorebotProcess } from "./chorebot-process.js";

export const WEBHOOK_SECRET = "e2e-webhook-secret";
export const DASHBOARD = { user: "ops", password: "e2e-dashboard-password" };
export const METRICS_TOKEN = "e2e-metrics-token";
/** The header a Prometheus scrape of this harness's /metrics sends. */
export const METRICS_AUTH = { authorization: `Bearer ${METRICS_TOKEN}` };
const PREFIX = "{chorebot}";

export interface Harness {
  gh: GitHubStandIn;
  redis: TestRedis;
  /** The main `chorebot start` process (replaced by restartApp). */
  app: ChorebotProcess;
  /** Scripts call `${process.env.BEACON}/name` to tell the test where they are. */
  beacon: Beacon;
  /** The environment every chorebot process of this harness gets. */
  env: Record<string, string>;
  /** Starts the main app again on the same port (after it was stopped or killed). */
  restartApp(): Promise<void>;
  /** Another chorebot process sharing the Redis: a replica (`start`, on its own port) or a worker. */
  spawnApp(args: string[], env?: Record<string, string>): Promise<{ process: ChorebotProcess; url: string | null }>;
  appUrl: string;
  webhookUrl: string;
  /** The production app's directory the scripts run in (SCRIPT_CWD). */
  scriptCwd: string;
  privateKey: string;
  queues: Record<QueueName, Queue>;
  /**
   * Commits `.github/chorebot.yml` (null: removes it) straight to the default branch, without
   * a webhook: the settings the next push is judged by (a pull request's own apply only after it).
   */
  configure(yaml: string | null): Promise<void>;
  /** Merges a PR adding `files` and delivers the push webhook; returns the run ids it should start. */
  mergeAndPush(files: Record<string, FileContent>, pr?: { approvals?: string[]; author?: string }): Promise<MergeResult>;
  deliverPush(before: string, after: string, options?: { ref?: string; deliveryId?: string; signature?: string }): Promise<{ status: number; body: string }>;
  /** Delivers any event, signed, to the main app. */
  deliver(event: string, payload: unknown): Promise<{ status: number; body: string }>;
  /** Resolves when a cleanup job (the run id, or `<run id>-attempt-N` for retries) completed: its log is committed. */
  waitForRun(cleanupJobId: string): Promise<CleanupResult>;
  /** What scripts recorded through the side-effect file, one line per execution. */
  executions(): Promise<string[]>;
  /** How many times the script recording `name` ran. */
  timesRan(name: string): Promise<number>;
  /**
   * Jobs in every queue but `schedule`, whose jobs come from the clock (the hourly digest flush
   * fires when a worker starts, and its next one follows), not from anything a test sends.
   */
  jobCount(): Promise<number>;
  close(): Promise<void>;
}

/** A harness whose app uses a Redis Cluster (`redis: "cluster"`) instead of a single Redis. */
export type ClusterHarness = Omit<Harness, "redis"> & { redis: null; cluster: TestRedisCluster };

export interface HarnessOptions {
  env?: Record<string, string>;
  redisArgs?: string[];
  appArgs?: string[];
  standIn?: StandInOptions;
  /** "cluster": a three-master Redis Cluster, given to the app as REDIS_CLUSTER_NODES. */
  redis?: "single" | "cluster";
  /** Serve the chores pages: the stand-in's OAuth app and a session secret made now, its callback URL registered. */
  chores?: boolean;
}

export interface MergeResult {
  before: string;
  after: string;
  number: number;
  runIds: Record<string, string>;
  delivery: { status: number; body: string };
}

/** Starts Redis, the GitHub stand-in and `chorebot start` wired together through env only. */
export async function startHarness(options: HarnessOptions & { redis: "cluster" }): Promise<ClusterHarness>;
export async function startHarness(options?: HarnessOptions): Promise<Harness>;
export async function startHarness(options: HarnessOptions = {}): Promise<Harness | ClusterHarness> {
  const appArgs = options.appArgs ?? ["start"];
  const [{ redis, cluster }, gh, port, beacon] = await Promise.all([
    options.redis === "cluster"
      ? startRedisCluster().then((started) => ({ redis: null, cluster: started }))
      : startRedis(options.redisArgs).then((started) => ({ redis: started, cluster: null })),
    startGitHubStandIn(options.standIn),
    freePort(),
    startBeacon(),
  ]);
  const scriptCwd = await mkdtemp(join(tmpdir(), "chorebot-prod-"));
  await installFakeProductionPackage(scriptCwd);
  const sideEffects = join(scriptCwd, "executions.log");
  await writeFile(sideEffects, "");
  const privateKey = generateAppKey();

  const env: Record<string, string> = {
    APP_ID: "4242",
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET,
    ...(cluster ? { REDIS_CLUSTER_NODES: cluster.nodesEnv } : { REDIS_URL: redis.url }),
    GHE_HOST: gh.host,
    GHE_PROTOCOL: "http",
    PORT: String(port),
    HOST: "127.0.0.1",
    DASHBOARD_USER: DASHBOARD.user,
    DASHBOARD_PASSWORD: DASHBOARD.password,
    METRICS_TOKEN,
    SCRIPT_CWD: scriptCwd,
    SCRIPT_ENV: "SIDE_EFFECTS,PROD_API_TOKEN,BEACON",
    SIDE_EFFECTS: sideEffects,
    BEACON: beacon.url,
    PROD_API_TOKEN: "prod-token-value-123",
    GITHUB_WRITE_INTERVAL_MS: "0",
    LOG_LEVEL: "info",
    ...(options.chores
      ? { GITHUB_CLIENT_ID: gh.oauthApp.clientId, GITHUB_CLIENT_SECRET: gh.oauthApp.clientSecret, SESSION_SECRET: randomBytes(32).toString("hex") }
      : {}),
    ...options.env,
  };
  if (options.chores) gh.setCallbackUrls([`http://127.0.0.1:${port}/login/callback`]);
  const others: ChorebotProcess[] = [];
  const listening = (line: Record<string, any>) => typeof line.msg === "string" && line.msg.startsWith("Listening on");
  const workersUp = (line: Record<string, any>) => typeof line.msg === "string" && line.msg.startsWith("workers started");
  const launch = async (args: string[], overrides: Record<string, string> = {}) => {
    const child = spawnChorebot(args, { ...env, ...overrides });
    await child.waitForLine(args[0] === "worker" ? workersUp : listening);
    return child;
  };
  const app = await launch(appArgs);

  // A cluster needs ioredis Cluster instances: one shared by the queues, one for QueueEvents (it blocks).
  const clusterClient = () => new Cluster(cluster!.nodes, { redisOptions: { maxRetriesPerRequest: null } });
  const connection: ConnectionOptions = cluster ? clusterClient() : { host: "127.0.0.1", port: redis.port };
  const eventsConnection: ConnectionOptions = cluster ? clusterClient() : connection;
  const queues = Object.fromEntries(QUEUE_NAMES.map((name) => [name, openQueue(name, connection, PREFIX)])) as Record<QueueName, Queue>;
  const cleanupEvents = new QueueEvents("cleanup", { connection: eventsConnection, prefix: PREFIX });
  await cleanupEvents.waitUntilReady();
  const appUrl = `http://127.0.0.1:${port}`;
  const webhookUrl = `${appUrl}/api/github/webhooks`;

  const harness: Omit<Harness, "redis"> & { redis: TestRedis | null; cluster: TestRedisCluster | null } = {
    gh,
    redis,
    cluster,
    app,
    beacon,
    env,
    async restartApp() {
      await harness.app.stop();
      harness.app = await launch(appArgs);
    },
    async spawnApp(args, overrides = {}) {
      const replicaPort = args[0] === "start" ? String(await freePort()) : env.PORT!;
      const child = await launch(args, { PORT: replicaPort, ...overrides });
      others.push(child);
      return { process: child, url: args[0] === "start" ? `http://127.0.0.1:${replicaPort}` : null };
    },
    appUrl,
    webhookUrl,
    scriptCwd,
    privateKey,
    queues,
    async configure(yaml) {
      if (yaml === null && (await gh.readFile(gh.defaultBranch, ".github/chorebot.yml")) === undefined) return;
      await gh.commitFiles({ files: { ".github/chorebot.yml": yaml }, message: "chorebot settings" });
    },
    async mergeAndPush(files, pr = {}) {
      const merged = await gh.mergePullRequest({ files, author: pr.author ?? "alice", approvals: pr.approvals ?? ["bob"] });
      const delivery = await harness.deliverPush(merged.before, merged.after);
      const runIds = Object.fromEntries(Object.keys(files).map((path) => [path, runIdFor({ owner: gh.owner, repo: gh.repo, commit: merged.after, path })]));
      return { ...merged, runIds, delivery };
    },
    deliverPush(before, after, options = {}) {
      return sendWebhook({
        url: webhookUrl,
        secret: WEBHOOK_SECRET,
        event: "push",
        payload: gh.pushPayload({ before, after, ref: options.ref }),
        deliveryId: options.deliveryId,
        signature: options.signature,
      });
    },
    deliver(event, payload) {
      return sendWebhook({ url: webhookUrl, secret: WEBHOOK_SECRET, event, payload });
    },
    async waitForRun(cleanupJobId) {
      // A retry's cleanup job appears only once its execute job finished: await its arrival.
      const added = new Promise<void>((resolve) => {
        const onAdded = ({ jobId }: { jobId: string }) => {
          if (jobId !== cleanupJobId) return;
          cleanupEvents.off("added", onAdded);
          resolve();
        };
        cleanupEvents.on("added", onAdded);
      });
      let job = await Job.fromId(queues.cleanup, cleanupJobId);
      if (!job) {
        await added;
        job = (await Job.fromId(queues.cleanup, cleanupJobId))!;
      }
      return (await job.waitUntilFinished(cleanupEvents)) as CleanupResult;
    },
    async executions() {
      return (await readFile(sideEffects, "utf8")).split("\n").filter(Boolean);
    },
    async timesRan(name) {
      return (await harness.executions()).filter((line) => line === name).length;
    },
    async jobCount() {
      let total = 0;
      for (const queue of QUEUE_NAMES.filter((name) => name !== "schedule").map((name) => queues[name])) {
        const counts = await queue.getJobCounts();
        total += Object.values(counts).reduce((sum, n) => sum + n, 0);
      }
      return total;
    },
    async close() {
      await Promise.all([harness.app.stop(), ...others.map((other) => other.stop())]);
      await beacon.close();
      await cleanupEvents.close();
      await Promise.all(Object.values(queues).map((queue) => queue.close()));
      for (const client of new Set([connection, eventsConnection])) if (client instanceof Cluster) client.disconnect();
      await Promise.all([redis?.stop(), cluster?.stop(), gh.close(), rm(scriptCwd, { recursive: true, force: true })]);
    },
  };
  return harness as Harness | ClusterHarness;
}

/** A package the production app has installed but the script repository does not. */
async function installFakeProductionPackage(cwd: string): Promise<void> {
  const dir = join(cwd, "node_modules", "prod-db");
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "prod-db", version: "1.0.0", type: "module", exports: "./index.js" }));
  await writeFile(join(dir, "index.js"), `export function plans() { return [{ id: "plan_1", seats: 0 }, { id: "plan_2", seats: 3 }]; }\n`);
}
