import type { IncomingMessage, ServerResponse } from "node:http";
import type { Cluster, Redis } from "ioredis";
import { admitRequest } from "../http/admit-request.js";
import type { Handler } from "../http/handler.js";
import { clientAddress, FailedLogins } from "../http/failed-logins.js";
import { cleanActorName, type Cancellations, type CancelTarget } from "../stores/cancellations.js";
import { choresApiRoute } from "./chores-api-routes.js";
import type { RunDeciders } from "./decide-as.js";
import { serveDashboardDecision } from "./decide-route.js";
import { servePause } from "./pause-route.js";
import { handleFreezeRoute, isFreezePath, type FreezeRoutes } from "./freeze-routes.js";
import { json, readJsonBodyOrAnswer } from "./json-answer.js";
import { runEventsSettings, serveRunEvents, type RunEventsSettings } from "./run-events-route.js";
import { parseNameQuery, runsByName } from "./runs-by-name.js";
import type { NamedRepo } from "../stores/run-names.js";
import { MAX_LIST_LIMIT, RunStatusReader, STATUS_NAMES, type RunQueues, type RunStatusName } from "./run-status-reader.js";

const PREFIX = "/api/runs/";
const LIST = "/api/runs";
const CANCEL = /^\/api\/runs\/([^/]+)\/cancel\/?$/;
const ONE = /^\/api\/runs\/([^/]+)\/?$/;
const EVENTS = /^\/api\/runs\/([^/]+)\/events\/?$/;
// Run ids are BullMQ custom ids from runIdFor: no `:` and no `/`.
const RUN_ID = /^[A-Za-z0-9._-]{1,200}$/;

/** What a cancel request can find: a run not started yet (queued, waiting), running, or finished. */
type CancelledState = Exclude<CancelTarget, "unknown">;

/** The answer to a cancel request. */
export interface CancelAnswer {
  run: string;
  state: CancelledState;
  /** Whether this request will stop the run (a finished run is left alone). */
  cancelled: boolean;
  by: string;
  message: string;
}

/**
 * `POST /api/runs/<runId>/cancel` as a Probot HTTP handler, behind the dashboard's basic
 * auth, its cross-site write check and a failed-login limit (pass the dashboard's
 * `failedLogins` to share one count). Answers JSON: 202 with a `CancelAnswer` for a queued,
 * waiting or running run, 409 for a finished one, 404 `{ error }` for no such run. The request is
 * made on behalf of the `by` of a JSON body (`{ "by": "alice" }`, e.g. from the CLI),
 * cleaned up, or else of the authenticated user.
 *
 * With `status` (the queues, a Redis client for the execution ledger, the GitHub API base
 * URL for log links) it also answers reads, behind the same auth and failed-login limit:
 * - `GET /api/runs/<runId>`: the run's latest attempt as a `RunStatusView` (404 `{ error }`
 *   for no such run);
 * - `GET /api/runs?status=&script=&limit=`: `{ runs }`, most recently queued first (limit
 *   50 by default, at most 200);
 * - `GET /api/runs/<runId>/events`: the run's progress as server-sent events (serveRunEvents);
 * - with `names`, `GET /api/runs?name=<name>[&repo=<owner>/<repo>]`: `{ runs }` holding that
 *   name (in that repository, or in any with a catalog).
 *
 * With `deciders`, `POST /api/runs/<runId>/resume` (of an interrupted or a paused run) and
 * `/rollback` (of an interrupted workflow) decide as "dashboard" (serveDashboardDecision), and
 * `POST /api/runs/<runId>/pause` pauses a running iteration (servePause); the other decisions
 * need a person's token.
 *
 * With `freezes` it also serves `/api/freezes` (see handleFreezeRoute), behind the same gate.
 *
 * Without a user and password nothing is served: the handler answers false for every request.
 */
export function createRunsApiHandler(o: {
  cancellations: Pick<Cancellations, "request">;
  user?: string | undefined;
  password?: string | undefined;
  failedLogins?: FailedLogins;
  maxFailedLogins?: number;
  failedLoginWindowSeconds?: number;
  trustProxy?: boolean;
  status?: { queues: RunQueues; redis?: Redis | Cluster | null | undefined; baseUrl?: string | undefined } | undefined;
  /** Run names (RunNames) and the repositories they can be in (the catalog's), for `?name=`. */
  names?: { find(repo: NamedRepo, name: string): Promise<string | null>; repositories(): Promise<NamedRepo[]> } | undefined;
  events?: RunEventsSettings | undefined;
  freezes?: FreezeRoutes | undefined;
  /** Resume and Roll back of parked runs, and Pause of running iterations (by "dashboard"); without it those routes are not served here. */
  deciders?: RunDeciders | undefined;
}): Handler {
  const { user, password } = o;
  if (!user || !password) return () => false;
  const runs = o.status ? new RunStatusReader(o.status) : null;
  const failedLogins = o.failedLogins ?? new FailedLogins(o.maxFailedLogins, o.failedLoginWindowSeconds);
  const trustProxy = o.trustProxy ?? false;
  const events = o.events ?? runEventsSettings();

  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? "/";
    const mark = url.indexOf("?");
    const path = mark < 0 ? url : url.slice(0, mark);
    const query = mark < 0 ? "" : url.slice(mark + 1);
    const freezePath = o.freezes !== undefined && isFreezePath(path);
    if (!path.startsWith(PREFIX) && !(runs && path === LIST) && !freezePath) return false;
    const admission = await admitRequest(req, { failedLogins, trustProxy, user, password });
    if (!admission.admitted) {
      if (admission.status === 429) tooManyFailures(res, admission.retryAfterSeconds);
      else if (admission.status === 403) json(res, 403, { error: "cross-site request refused" });
      else json(res, 401, { error: "authentication required" }, { "WWW-Authenticate": 'Basic realm="chorebot"' });
      return true;
    }
    if (freezePath) {
      await handleFreezeRoute(req, res, path, user, o.freezes!);
      return true;
    }

    const decide = o.deciders === undefined ? null : choresApiRoute(path);
    if (decide?.route === "decide") {
      if (req.method !== "POST") json(res, 405, { error: "use POST" }, { Allow: "POST" });
      else await serveDashboardDecision(o.deciders!, req, res, decide.runId, decide.decision).catch(() => unreachable(res));
      return true;
    }
    if (decide?.route === "pause") {
      if (req.method !== "POST") json(res, 405, { error: "use POST" }, { Allow: "POST" });
      else await servePause(o.deciders!, req, res, decide.runId, "dashboard").catch(() => unreachable(res));
      return true;
    }
    const route = CANCEL.exec(path);
    const follow = runs === null ? null : EVENTS.exec(path);
    if (follow) {
      if (req.method !== "GET") json(res, 405, { error: "use GET" }, { Allow: "GET" });
      else await followRun(runs!, follow[1]!, req, res, { settings: events, who: `dashboard:${clientAddress(req, trustProxy)}` });
      return true;
    }
    if (route === null && runs !== null && (path === LIST || path === PREFIX || ONE.test(path))) {
      if (req.method !== "GET") {
        json(res, 405, { error: "use GET" }, { Allow: "GET" });
        return true;
      }
      const one = ONE.exec(path);
      const params = new URLSearchParams(query);
      if (one === null && params.has("name")) await findByName(runs, o.names, params, res);
      else if (one === null) await listRuns(runs, params, res);
      else await showRun(runs, one[1]!, res);
      return true;
    }
    if (route === null) {
      json(res, 404, { error: "not found" });
      return true;
    }
    if (req.method !== "POST") {
      json(res, 405, { error: "use POST" }, { Allow: "POST" });
      return true;
    }
    const runId = decode(route[1]!);
    if (runId === null || !RUN_ID.test(runId)) {
      json(res, 400, { error: "not a run id" });
      return true;
    }
    const body = await readJsonBodyOrAnswer(req, res);
    if (body === null) return true;
    if (body.by !== undefined && typeof body.by !== "string") {
      json(res, 400, { error: "by must be a string" });
      return true;
    }
    const by = cleanActorName(body.by ?? "") || cleanActorName(user) || "unknown";

    let state: Awaited<ReturnType<Cancellations["request"]>>;
    try {
      state = await o.cancellations.request(runId, by);
    } catch {
      json(res, 503, { error: "could not record the request; is Redis reachable?" });
      return true;
    }
    if (state === "unknown") {
      json(res, 404, unknownRun(runId));
      return true;
    }
    const answer: CancelAnswer = { run: runId, state, cancelled: state !== "finished", by, message: describe(runId, state, by) };
    json(res, state === "finished" ? 409 : 202, answer);
    return true;
  };
}

async function showRun(runs: RunStatusReader, segment: string, res: ServerResponse): Promise<void> {
  const runId = decode(segment);
  if (runId === null || !RUN_ID.test(runId)) {
    json(res, 400, { error: "not a run id" });
    return;
  }
  let view: Awaited<ReturnType<RunStatusReader["get"]>>;
  try {
    view = await runs.get(runId);
  } catch {
    json(res, 503, { error: "could not read the run; is Redis reachable?" });
    return;
  }
  if (view === null) json(res, 404, unknownRun(runId));
  else json(res, 200, view);
}

async function followRun(
  runs: RunStatusReader,
  segment: string,
  req: IncomingMessage,
  res: ServerResponse,
  stream: { settings: RunEventsSettings; who: string },
): Promise<void> {
  const runId = decode(segment);
  if (runId === null || !RUN_ID.test(runId)) {
    json(res, 400, { error: "not a run id" });
    return;
  }
  const view = await runs.get(runId).catch(() => undefined);
  if (view === undefined) json(res, 503, { error: "could not read the run; is Redis reachable?" });
  else if (view === null) json(res, 404, unknownRun(runId));
  else await serveRunEvents(req, res, { first: view, load: () => runs.get(runId), ...stream });
}

async function findByName(
  runs: RunStatusReader,
  names: Parameters<typeof runsByName>[0] | undefined,
  params: URLSearchParams,
  res: ServerResponse,
): Promise<void> {
  if (names === undefined) {
    json(res, 404, { error: "runs have no names on this server" });
    return;
  }
  const query = parseNameQuery(params);
  if (!query.ok) {
    json(res, 400, { error: query.error });
    return;
  }
  try {
    const held = await runsByName(names, query);
    const views = await Promise.all(held.map(({ runId }) => runs.get(runId)));
    json(res, 200, { runs: views.filter((view) => view !== null) });
  } catch {
    json(res, 503, { error: "could not read the runs; is Redis reachable?" });
  }
}

async function listRuns(runs: RunStatusReader, params: URLSearchParams, res: ServerResponse): Promise<void> {
  const status = params.get("status") || undefined;
  if (status !== undefined && !STATUS_NAMES.includes(status as RunStatusName)) {
    json(res, 400, { error: `status must be one of ${STATUS_NAMES.join(", ")}` });
    return;
  }
  const script = params.get("script") || undefined;
  const limitText = params.get("limit") || undefined;
  if (limitText !== undefined && !/^[1-9]\d{0,8}$/.test(limitText)) {
    json(res, 400, { error: "limit must be a positive integer" });
    return;
  }
  const limit = limitText === undefined ? undefined : Math.min(Number(limitText), MAX_LIST_LIMIT);
  try {
    json(res, 200, { runs: await runs.list({ status: status as RunStatusName | undefined, script, limit }) });
  } catch {
    json(res, 503, { error: "could not read the runs; is Redis reachable?" });
  }
}

function describe(runId: string, state: CancelledState, by: string): string {
  switch (state) {
    case "running":
      return `${runId} is running: its script is being stopped (cancelled by ${by})`;
    case "queued":
      return `${runId} has not started: it will not run (cancelled by ${by})`;
    case "waiting":
      // Waiting for its lock or a freeze, or parked: waiting for a signal (it rolls back), paused or interrupted (an iteration ends where its checkpoint is).
      return `${runId} is waiting, not running: it ends without going on; a workflow waiting for a signal rolls back (cancelled by ${by})`;
    case "finished":
      return `${runId} already finished: there is nothing to cancel`;
  }
}

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function unreachable(res: ServerResponse): void {
  if (!res.headersSent) json(res, 503, { error: "could not record the decision; is Redis reachable?" }, { "Retry-After": "5" });
}

function tooManyFailures(res: ServerResponse, retryAfterSeconds: number): void {
  json(res, 429, { error: "too many failed logins; try again later" }, { "Retry-After": String(retryAfterSeconds) });
}

/** Redis forgets finished runs after their retention; the repository keeps their logs. */
function unknownRun(runId: string): { error: string; hint: string } {
  return {
    error: `no run ${runId}`,
    hint: "finished runs are kept for JOB_RETENTION (14 days by default); older ones are recorded in the repository's logs/ folder, by year and month of their merge",
  };
}
