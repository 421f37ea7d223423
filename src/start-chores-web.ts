import type { IncomingMessage } from "node:http";
import type { Cluster, Redis } from "ioredis";
import type { Logger } from "pino";
import { RunStatusReader, type RunQueues } from "./api/run-status-reader.js";
import { createSignIn } from "./auth/sign-in.js";
import { createChoresHandler } from "./chores/create-chores-handler.js";
import type { ChoreRunView } from "./chores/chore-run-view.js";
import type { ChoresConfig } from "./config.js";
import type { Handler } from "./http/handler.js";
import type { Queues } from "./pipeline/queues.js";
import type { Cancellations } from "./stores/cancellations.js";
import { ParkedRuns } from "./stores/parked-runs.js";
import { RequestRate } from "./stores/request-rate.js";
import { ScheduleStates } from "./stores/schedule-states.js";
import type { OnDemand } from "./start-on-demand.js";

/** What the chores pages are served with: sign-in, the catalog and on-demand runs. */
export interface ChoresWebSettings extends Omit<ChoresConfig, "signIn"> {
  signIn: NonNullable<ChoresConfig["signIn"]>;
  /** GitHub's API address (the sign-in asks it who signed in; run views link logs under it). */
  apiUrl: string;
  prefix: string;
  githubStepAttempts: number;
}

/**
 * The chores pages and the sign-in they need, on the web part's queues and Redis: each
 * request is judged by the user's role on the repository as GitHub says it (cached for two
 * minutes at most), and a run is queued as the same process ◄─ execute ◄─ cleanup flow as a
 * merge's.
 */
export function choresWeb(
  settings: ChoresWebSettings,
  shared: {
    queues: Queues;
    redis: Redis | Cluster;
    cancellations: Pick<Cancellations, "request">;
    onDemand: OnDemand;
    log: Logger;
  },
): { handlers: Handler[]; signedIn: (req: IncomingMessage) => boolean } {
  const { queues, redis } = shared;
  const signIn = createSignIn({
    ...settings.signIn,
    githubWebUrl: settings.webUrl,
    githubApiUrl: settings.apiUrl,
    publicUrl: settings.publicUrl,
  });
  const runs = new RunStatusReader({ queues: queues.byName as RunQueues, redis, baseUrl: settings.apiUrl });
  const { catalog, permission, requiredPermission, history, enqueue, names } = shared.onDemand;
  const scheduleStates = new ScheduleStates(redis, settings.prefix);
  const requestRate = new RequestRate(redis, settings.prefix);
  const pages = createChoresHandler({
    catalog,
    signIn,
    permission,
    requiredPermission,
    startRun: enqueue,
    names: {
      claim: (repo, name, runId) => names.claim(repo, name, runId),
      release: (repo, name, runId) => names.release(repo, name, runId),
      ttlMs: settings.runNameTtlMs,
    },
    run: (runId) => runs.get(runId),
    async history(owner, repo, name, limit) {
      const ids = await history.recent(owner, repo, name, limit);
      const views = await Promise.all(ids.map((id) => runs.get(id)));
      return views.filter((view): view is ChoreRunView & NonNullable<typeof view> => view !== null);
    },
    schedules: {
      control: shared.onDemand.schedules,
      state: (schedulerId) => scheduleStates.read(schedulerId),
      // Counted with the user's on-demand starts in the repository (comments, API): one budget for what they ask of it.
      rate: (login, repo) => requestRate.take(login, repo),
    },
    async cancel(runId, by) {
      await shared.cancellations.request(runId, by);
    },
    // A parked run's Approve, Reject, Continue, Resume and Roll back buttons decide through decideRun.
    decisions: { parked: new ParkedRuns(redis, settings.prefix), execute: queues.byName.execute },
    fileLimit: settings.fileLimit,
    log: shared.log,
  });
  return { handlers: [signIn.handler, pages], signedIn: (req) => signIn.user(req) !== null };
}
