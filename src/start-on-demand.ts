import type { Cluster, Redis } from "ioredis";
import { permissionLookup } from "./auth/permission-lookup.js";
import type { ChoresConfig } from "./config.js";
import type { GitHubClient } from "./github/octokit.js";
import { higher, type Permission } from "./github/permission.js";
import { enqueueChoreRun, type ChoreRunRequest } from "./pipeline/enqueue-chore-run.js";
import type { Queues } from "./pipeline/queues.js";
import { processJobId } from "./pipeline/run-id.js";
import { startChore, type ChoreAsk, type ChoreStart } from "./pipeline/start-chore.js";
import { ChoreCatalog } from "./stores/chore-catalog.js";
import { ChoreRuns } from "./stores/chore-runs.js";
import { RequestRate } from "./stores/request-rate.js";
import { RunInputs } from "./stores/run-inputs.js";
import { RunNames } from "./stores/run-names.js";
import type { RepoCatalog } from "./catalog-types.js";
import type { Logger } from "pino";
import type { ScheduleLimits } from "./config.js";
import { Schedules } from "./schedules/schedules.js";
import { ScheduleStates } from "./stores/schedule-states.js";
import { ScheduleDigests } from "./stores/schedule-digests.js";

/** What on-demand runs are judged and queued by, whichever way they are asked for. */
export type OnDemandSettings = Pick<ChoresConfig, "minPermission" | "fileLimit" | "runNameTtlMs"> & {
  prefix: string;
  githubStepAttempts: number;
  /** What chores' schedules may ask for (config.schedules): a schedule resumed beyond them is not scheduled again. */
  schedules: ScheduleLimits;
};

/** The web part's on-demand runs: shared by the chores pages, `/chorebot` comments and the API. */
export interface OnDemand {
  /** Judges a request (visibility, role, rate, inputs, name) and queues its run, or says why not. */
  start: (ask: ChoreAsk) => Promise<ChoreStart>;
  catalog: ChoreCatalog;
  /** `login`'s role on a repository, as GitHub says it (cached two minutes). */
  permission: (repo: { owner: string; repo: string; installationId: number }, login: string) => Promise<Permission>;
  /** The role a repository's chores need to run (its setting, never below CHORES_PERMISSION). */
  requiredPermission: (catalog: RepoCatalog) => Permission;
  names: RunNames;
  history: ChoreRuns;
  /** Queues a run already judged (the chores page judges its form itself). */
  enqueue: (request: ChoreRunRequest) => Promise<{ runId: string }>;
  /** The chores' schedules: pause, resume and next occurrence for the chores page (ScheduleControl); removed with their repository. */
  schedules: Schedules;
}

export function onDemand(
  settings: OnDemandSettings,
  shared: { queues: Queues; redis: Redis | Cluster; octokitFor: (installationId: number) => Promise<GitHubClient>; log: Logger },
): OnDemand {
  const { redis } = shared;
  const catalog = new ChoreCatalog(redis, settings.prefix);
  const permission = permissionLookup({ octokitFor: shared.octokitFor });
  const requiredPermission = (repoCatalog: RepoCatalog) => higher(repoCatalog.config.chores.permission, settings.minPermission);
  const names = new RunNames(redis, settings.prefix, settings.runNameTtlMs);
  const history = new ChoreRuns(redis, settings.prefix);
  const inputs = new RunInputs(redis, settings.prefix);
  const rate = new RequestRate(redis, settings.prefix);
  const enqueue = (request: ChoreRunRequest) =>
    enqueueChoreRun({ flows: shared.queues.flows, inputs, history, githubStepAttempts: settings.githubStepAttempts }, request);
  // A run's process job lives as long as anything of the run does in Redis.
  const exists = async (runId: string) => (await shared.queues.byName.process.getJob(processJobId(runId))) !== undefined;
  const schedules = new Schedules({
    queue: shared.queues.byName.schedule,
    redis,
    prefix: settings.prefix,
    states: new ScheduleStates(redis, settings.prefix),
    catalog,
    limits: settings.schedules,
    // The web part never reconciles: it adds nothing to the digests.
    digest: new ScheduleDigests(redis, settings.prefix),
    log: shared.log,
  });
  return {
    start: (ask) => startChore({ catalog, permission, requiredPermission, names, rate, enqueue, exists, fileLimit: settings.fileLimit }, ask),
    catalog,
    permission,
    requiredPermission,
    names,
    history,
    enqueue,
    schedules,
  };
}
