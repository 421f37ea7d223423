import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { CatalogReader } from "../catalog-types.js";
import { bearerToken, type TokenIdentity } from "../auth/user-token.js";
import { atLeast } from "../github/permission.js";
import { FailedLogins } from "../http/failed-logins.js";
import type { Handler } from "../http/handler.js";
import { choreRunId } from "../pipeline/run-id.js";
import type { ChoreAsk, ChoreRefusal } from "../pipeline/start-chore.js";
import type { OnDemand } from "../start-on-demand.js";
import type { NamedRepo } from "../stores/run-names.js";
import { choreListing } from "./chore-listing.js";
import { choresApiRoute, type ChoresApiRoute } from "./chores-api-routes.js";
import type { RunDeciders } from "./decide-as.js";
import { serveUserDecision } from "./decide-route.js";
import { servePause } from "./pause-route.js";
import { json, readJsonBodyOrAnswer } from "./json-answer.js";
import { runEventsSettings, serveRunEvents, type RunEventsSettings } from "./run-events-route.js";
import type { RunStatusView } from "./run-status-reader.js";
import { parseNameQuery, runsByName } from "./runs-by-name.js";
import { readStartRunBody } from "./start-run-body.js";
import { admitUser, type PendingTokens } from "./user-gate.js";

/** An `Idempotency-Key`: printable ASCII, no spaces. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

export interface ChoresApiDeps {
  onDemand: Pick<OnDemand, "start" | "permission" | "requiredPermission" | "names"> & { catalog: Pick<CatalogReader, "read" | "repositories"> };
  runs: { get(runId: string): Promise<RunStatusView | null> };
  /** Who a user token is (userTokenLookup). */
  identify: (token: string) => Promise<TokenIdentity>;
  failedLogins?: FailedLogins;
  trustProxy?: boolean;
  /** chorebot's public address (PUBLIC_URL), for absolute URLs in answers; null: paths only. */
  publicUrl: string | null;
  /** Whether the chores pages are served: a started run's answer links its page then. */
  pagesServed: boolean;
  events?: RunEventsSettings;
  log?: Pick<Logger, "warn">;
  /** Decisions on parked runs (approve, reject, signals, resume, rollback) and pauses; without it those routes are not served. */
  deciders?: RunDeciders;
}

/** What one request works with once its caller is known. */
interface Call {
  deps: ChoresApiDeps;
  req: IncomingMessage;
  res: ServerResponse;
  login: string;
  events: RunEventsSettings;
}

/**
 * The API for automation, authenticated with the caller's own GitHub user token (see
 * admitUser), each request judged by that user's role on the repository as GitHub says it:
 * - `POST /api/chores/<owner>/<repo>/<chore>/runs` with `{ "inputs": {…}, "name": "…" }`:
 *   starts a run through startChore (trigger `api`): 202 `{ run, name, status, urls }`, or
 *   the gate's refusal with its status and `{ error, errors?, run?, status? }`. An
 *   `Idempotency-Key` header names the request: the same key from the same user is one run;
 * - `GET /api/chores/<owner>/<repo>`: the repository's chores and their inputs;
 * - `GET /api/runs/<run>`, `GET /api/runs/<run>/events` (server-sent events) and
 *   `GET /api/runs?name=<name>[&repo=<owner>/<repo>]`, for chore runs of repositories the
 *   user can read;
 * - `POST /api/runs/<run>/approve|reject|resume|rollback` and `POST /api/runs/<run>/signals/<name>`
 *   (JSON body: the payload), with `deciders`: a decision on a parked run (see serveUserDecision),
 *   by a user with the chore's permission on the run's repository (write for a merged script's);
 * - `POST /api/runs/<run>/pause`, with `deciders`: asks a running iteration to stop after its
 *   current batch (see servePause), judged as decisions are.
 * These /api/runs paths are also the dashboard login's (createRunsApiHandler): a
 *   request under /api/runs without a user token is left to it.
 * A chore, repository or run the user cannot read is answered as if there were none (404).
 */
export function createChoresApiHandler(deps: ChoresApiDeps): Handler {
  const failedLogins = deps.failedLogins ?? new FailedLogins();
  const trustProxy = deps.trustProxy ?? false;
  const events = deps.events ?? runEventsSettings();
  const pending: PendingTokens = new Map();
  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? "/";
    const route = choresApiRoute(url);
    if (route === null || ((route.route === "decide" || route.route === "pause") && deps.deciders === undefined)) return false;
    if (url.startsWith("/api/runs") && bearerToken(req.headers.authorization) === null) return false;
    if (route.route === "bad") {
      json(res, 400, { error: route.error });
      return true;
    }
    const method = route.route === "start" || route.route === "decide" || route.route === "pause" ? "POST" : "GET";
    if (req.method !== method) {
      json(res, 405, { error: `use ${method}` }, { Allow: method });
      return true;
    }
    const admission = await admitUser(req, { identify: deps.identify, failedLogins, trustProxy, pending });
    if (!admission.ok) {
      json(res, admission.status, admission.body, admission.headers);
      return true;
    }
    const call: Call = { deps, req, res, login: admission.login, events };
    try {
      await serve(call, route);
    } catch (error) {
      deps.log?.warn({ err: error }, `${req.method} ${url.split("?")[0]} failed`);
      if (!res.headersSent) json(res, 503, { error: "GitHub or Redis did not answer; try again in a moment" }, { "Retry-After": "5" });
      else res.destroy();
    }
    return true;
  };
}

async function serve(call: Call, route: Exclude<ChoresApiRoute, { route: "bad" }>): Promise<void> {
  switch (route.route) {
    case "start":
      return startRun(call, route);
    case "chores":
      return listChores(call, route);
    case "run":
      return showRun(call, route.runId);
    case "run-events":
      return followRun(call, route.runId);
    case "runs":
      return findByName(call, route.query);
    case "decide":
      return serveUserDecision(call.deps.deciders!, call.req, call.res, route, call.login);
    case "pause":
      return servePause(call.deps.deciders!, call.req, call.res, route.runId, { login: call.login });
  }
}

async function startRun(call: Call, route: { owner: string; repo: string; chore: string }): Promise<void> {
  const { req, res, deps, login } = call;
  if (!isJson(req.headers["content-type"])) {
    json(res, 415, { error: 'send the request as JSON (Content-Type: application/json), e.g. {"inputs": {"account": "acct_1"}}' });
    return;
  }
  const key = req.headers["idempotency-key"];
  if (key !== undefined && (typeof key !== "string" || !IDEMPOTENCY_KEY.test(key))) {
    json(res, 400, { error: "Idempotency-Key must be 1 to 200 printable characters without spaces" });
    return;
  }
  const body = await readJsonBodyOrAnswer(req, res);
  if (body === null) return;
  const read = readStartRunBody(body);
  if (!read.ok) {
    json(res, read.status, read.status === 422 ? { error: read.error, errors: read.errors } : { error: read.error });
    return;
  }
  const ask: ChoreAsk = {
    owner: route.owner,
    repo: route.repo,
    chore: route.chore,
    login,
    values: read.values,
    // The key is the user's own: another user's same key is another request.
    requestKey: `api:${login.toLowerCase()}:${key ?? randomUUID()}`,
    trigger: "api",
    ...(read.name === undefined ? {} : { name: read.name }),
  };
  let runId: string;
  try {
    const started = await deps.onDemand.start(ask);
    if (!started.ok) {
      await refuse(call, started);
      return;
    }
    runId = started.runId;
  } catch (error) {
    // A failure after the run's jobs were added (its history not recorded, an answer lost) leaves it queued: a 503 would
    // have the client send it again, and without an Idempotency-Key that is a second run.
    const queued = await queuedAnyway(deps, route, ask.requestKey).catch(() => null);
    if (queued === null) throw error;
    deps.log?.warn({ err: error, runId: queued }, "a run's start failed after it was queued; answered as queued");
    runId = queued;
  }
  // The run is queued whatever this read does: a failed read must not make a client ask again.
  const view = await deps.runs.get(runId).catch(() => null);
  const urls = runUrls(deps, runId);
  json(res, 202, { run: runId, name: read.name ?? null, status: view?.status ?? "queued", urls }, { Location: urls.run });
}

/** The run a request key names, when it is in Redis although starting it failed; else null. */
async function queuedAnyway(deps: ChoresApiDeps, route: { owner: string; repo: string; chore: string }, requestKey: string): Promise<string | null> {
  const catalog = await deps.onDemand.catalog.read(route.owner, route.repo);
  const chore = catalog?.chores.find((entry) => entry.name === route.chore)?.runnable;
  if (!catalog || !chore) return null;
  const runId = choreRunId({ owner: catalog.owner, repo: catalog.repo, name: chore.name, requestKey });
  return (await deps.runs.get(runId)) === null ? null : runId;
}

async function refuse(call: Call, refusal: ChoreRefusal): Promise<void> {
  const { res, deps } = call;
  switch (refusal.reason) {
    case "invalid-inputs":
      return json(res, refusal.status, { error: refusal.message, errors: refusal.errors });
    case "name-taken": {
      const holder = await deps.runs.get(refusal.runId).catch(() => null);
      return json(res, refusal.status, { error: refusal.message, run: refusal.runId, status: holder?.status ?? null, urls: runUrls(deps, refusal.runId) });
    }
    case "forbidden":
      return json(res, refusal.status, { error: refusal.message, permission: refusal.permission, required: refusal.required });
    case "rate-limited":
      return json(res, refusal.status, { error: refusal.message }, { "Retry-After": String(Math.max(1, Math.ceil(refusal.retryAfterMs / 1000))) });
    default:
      return json(res, refusal.status, { error: refusal.message });
  }
}

async function listChores(call: Call, route: NamedRepo): Promise<void> {
  const { deps, res, login } = call;
  const catalog = await deps.onDemand.catalog.read(route.owner, route.repo);
  const permission = catalog === null ? "none" : await deps.onDemand.permission(catalog, login);
  if (catalog === null || !atLeast(permission, "read")) {
    json(res, 404, { error: `There is no repository ${route.owner}/${route.repo} with chores that you can see.` });
    return;
  }
  json(res, 200, choreListing(catalog, permission, deps.onDemand.requiredPermission(catalog)));
}

/** Whether `login` may read the runs of `repository` (`owner/repo`): it has a catalog, and the user read permission on it. */
async function canRead(call: Call, repository: NamedRepo): Promise<boolean> {
  const catalog = await call.deps.onDemand.catalog.read(repository.owner, repository.repo);
  return catalog !== null && atLeast(await call.deps.onDemand.permission(catalog, call.login), "read");
}

/** A chore run the user can read, or null (no such run, a merged script's, or of a repository the user cannot read). */
async function visibleRun(call: Call, runId: string): Promise<RunStatusView | null> {
  const view = await call.deps.runs.get(runId);
  if (view === null || view.chore === null) return null;
  const [owner, repo, ...rest] = view.repository.split("/");
  if (!owner || !repo || rest.length > 0) return null;
  return (await canRead(call, { owner, repo })) ? view : null;
}

async function showRun(call: Call, runId: string): Promise<void> {
  const view = await visibleRun(call, runId);
  if (view === null) json(call.res, 404, noRun(runId));
  else json(call.res, 200, view);
}

async function followRun(call: Call, runId: string): Promise<void> {
  const view = await visibleRun(call, runId);
  if (view === null) {
    json(call.res, 404, noRun(runId));
    return;
  }
  await serveRunEvents(call.req, call.res, {
    first: view,
    load: () => call.deps.runs.get(runId),
    who: `user:${call.login.toLowerCase()}`,
    settings: call.events,
  });
}

async function findByName(call: Call, params: URLSearchParams): Promise<void> {
  const query = parseNameQuery(params);
  if (!query.ok) {
    json(call.res, 400, { error: `${query.error} (a user token asks for runs by name: ?name=<name>[&repo=<owner>/<repo>])` });
    return;
  }
  const { names, catalog } = call.deps.onDemand;
  const held = await runsByName({ find: (repo, name) => names.find(repo, name), repositories: () => catalog.repositories() }, query);
  const runs: RunStatusView[] = [];
  for (const { repo, runId } of held) {
    if (!(await canRead(call, repo))) continue;
    const view = await call.deps.runs.get(runId);
    if (view !== null) runs.push(view);
  }
  json(call.res, 200, { runs });
}

/** Where a run is followed: the API's view and events, and its page when the chores pages are served. */
function runUrls(deps: ChoresApiDeps, runId: string): { run: string; events: string; page?: string } {
  const base = deps.publicUrl ?? "";
  const run = `${base}/api/runs/${encodeURIComponent(runId)}`;
  return { run, events: `${run}/events`, ...(deps.pagesServed ? { page: `${base}/chores/runs/${encodeURIComponent(runId)}` } : {}) };
}

function noRun(runId: string): { error: string } {
  return { error: `There is no chore run ${runId} that you can see.` };
}

function isJson(contentType: string | undefined): boolean {
  const [type = "", ...params] = (contentType ?? "").split(";").map((part) => part.trim().toLowerCase());
  // The body is read as UTF-8 (JSON's own encoding): one declared in another charset would have its values changed.
  const charset = params
    .find((param) => param.startsWith("charset="))
    ?.slice("charset=".length)
    .replace(/^"(.*)"$/, "$1");
  if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") return false;
  return type === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}
