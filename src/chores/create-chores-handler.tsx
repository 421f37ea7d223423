import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CatalogEntry, RepoCatalog } from "../catalog-types.js";
import { atLeast, type Permission } from "../github/permission.js";
import { choreRunId } from "../pipeline/run-id.js";
import { RUN_NAME } from "../stores/run-names.js";
import type { Handler } from "../http/handler.js";
import { isSameOriginWrite } from "../http/same-origin.js";
import { CatalogPage, type CatalogRepository } from "./catalog-page.js";
import type { RunNameField } from "./chore-form.js";
import { ChorePage, type ChorePageProps } from "./chore-page.js";
import { serveChoresAsset } from "./chores-assets.js";
import { choresRoute, choreUrl, runUrl, scheduleUrl, type ChoresRoute } from "./chores-paths.js";
import type { ChoresPagesDeps, ChoresUser, LiveSettings } from "./chores-pages-deps.js";
import { formFields } from "./form-fields.js";
import { CSRF_FIELD, REQUEST_KEY_FIELD, RESERVED_FIELDS, reservedInputNames, RUN_NAME_FIELD, VERSION_FIELD } from "./form-names.js";
import { formatTime } from "./format-time.js";
import { MessagePage } from "./message-page.js";
import { parseSubmission, type Submission } from "./parse-submission.js";
import { ConnectionLimit } from "./live/connection-limit.js";
import { LIVE_SCRIPT } from "./live/live-client.js";
import { LIVE_PAGE_HEADERS } from "./live/live-page-headers.js";
import type { LiveRunView } from "./live/live-run-view.js";
import { parseCursor } from "./live/run-events.js";
import { historyStream, LOG_WAIT_POLLS, runStream } from "./live/run-stream.js";
import { sendEventStream, STREAM_TIMING } from "./live/send-event-stream.js";
import { RunPage } from "./run-page.js";
import { DECISION_FIELD, INTERRUPTED_FIELD, PAUSED_FIELD, PAYLOAD_FIELD, SIGNAL_FIELD } from "./parked-panel.js";
import { decisionRequest } from "./decision-request.js";
import { decideRun } from "../pipeline/decide-run.js";
import { pauseRun } from "../pipeline/pause-run.js";
import { MAX_SIGNAL_PAYLOAD_BYTES } from "../sdk/protocol.js";
import { scheduleOf } from "./schedule-of.js";
import { SCHEDULE_ACTION_FIELD, SCHEDULE_ACTIONS, type SchedulePanelProps } from "./schedule-panel.js";
import { hasLiveRuns } from "./run-history.js";
import { statusWord } from "./run-status-word.js";
import { PAGE_HEADERS, seeOther, sendPage } from "./send-page.js";
import { validateSubmission } from "./validate-submission.js";

export type { ChoreRunRequest, ChoresPagesDeps } from "./chores-pages-deps.js";
export type { ChoreRunView } from "./chore-run-view.js";

/** Runs a chore's page lists, and how many of a chore's runs the catalog shows. */
const CHORE_HISTORY = 20;
const CATALOG_HISTORY = 5;
/** The most uploads a form may carry beyond its file inputs (a form from an older version of the chore). */
const SPARE_FILES = 4;
/** A form's request key: a UUID from the page, or any such token of a client's own. */
const REQUEST_KEY = /^[A-Za-z0-9_-]{16,128}$/;
/** A run name that is not one (RUN_NAME), next to its field. */
const NOT_A_RUN_NAME = "must be 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit";
/** The same rule as the run pages' paths (chores-paths.ts). */
const RUN_ID = /^[A-Za-z0-9._-]{1,200}$/;

export const LIVE_DEFAULTS: LiveSettings = { timing: STREAM_TIMING, logWaitPolls: LOG_WAIT_POLLS, perUser: 8, total: 500 };

/** What a request under /chores works with. */
interface Request {
  deps: ChoresPagesDeps;
  req: IncomingMessage;
  res: ServerResponse;
  user: ChoresUser;
  csrf: string;
  live: LiveSettings & { streams: ConnectionLimit };
}

/** Something needed for the page did not answer (GitHub, Redis): 503 with this message. */
class Unavailable extends Error {}

/**
 * The chores pages, server-rendered HTML that works without JavaScript, all behind the
 * sign-in (anyone not signed in is sent to `/login` and back):
 * - `GET /chores`: every chore of the repositories the user can read, with its last runs;
 * - `GET /chores/<owner>/<repo>/<name>`: a chore, its form (for who may run it) and its runs;
 * - `POST` there: runs it, once the form's CSRF token, the user's permission (checked with
 *   GitHub now), the chore's version and every value pass: `303 See Other` to the run's page;
 *   otherwise the page again with what is wrong, and nothing run (403, 404, 409, 413, 422); the
 *   form's optional run name is claimed for the run (RunNames) last, just before it is queued:
 *   a name another run has answers 409 with that run linked, one that is no name 422;
 * - `POST /chores/schedules/<owner>/<repo>/<name>`: pauses or resumes the chore's schedule
 *   (`action` pause or resume), judged like a run (CSRF token, the role to run the chore,
 *   a rate per user and repository): `303` back to the chore's page, or why nothing changed;
 * - `GET /chores/runs/<runId>`: a run, with its Cancel button (`POST /chores/runs/<runId>/cancel`),
 *   a parked run's decision buttons (`POST /chores/runs/<runId>/decide`) and a running
 *   iteration's Pause button (`POST /chores/runs/<runId>/pause`),
 *   followed live by its script until it is over (reloading itself without JavaScript);
 * - `GET /chores/runs/<runId>/events`: that run's server-sent events (run-stream.ts), from the
 *   `Last-Event-ID` a reconnect sends or the `after` the page gave; `GET /chores/events?run=…`:
 *   the states of a chore page's unfinished runs; both as many per user and in all as `live` says;
 * - `GET /chores/assets/…` and `/chores/live/client.js`: the stylesheets and the live script
 *   (the only things served without sign-in: they hold nothing private).
 * Answers false for anything outside /chores.
 *
 * A POST body is read whole before anything is decided: the web server caps its size first
 * (its cap for /chores must leave room for `fileLimit` per file input).
 */
export function createChoresHandler(deps: ChoresPagesDeps): Handler {
  const settings = { ...LIVE_DEFAULTS, ...deps.live };
  const live = { ...settings, streams: new ConnectionLimit(settings) };
  return async (req: IncomingMessage, res: ServerResponse) => {
    if (serveChoresAsset(req, res)) return true;
    const route = choresRoute(req.url ?? "/");
    if (route === null) return false;
    if (route.page === "script") {
      if (allowMethods(req, res, ["GET", "HEAD"])) sendScript(req, res);
      return true;
    }
    const user = deps.signIn.user(req);
    if (user === null) {
      deps.signIn.redirectToLogin(req, res);
      return true;
    }
    const request: Request = { deps, req, res, user, csrf: deps.signIn.csrfToken(req), live };
    try {
      await serve(request, route);
    } catch (error) {
      answerFailure(request, error);
    }
    return true;
  };
}

async function serve(r: Request, route: Exclude<ChoresRoute, { page: "script" }>): Promise<void> {
  switch (route.page) {
    case "catalog":
      if (allowMethods(r.req, r.res, ["GET", "HEAD"])) await showCatalog(r);
      return;
    case "chore":
      if (!allowMethods(r.req, r.res, ["GET", "HEAD", "POST"])) return;
      if (r.req.method === "POST") await runChore(r, route);
      else await showChore(r, route);
      return;
    case "schedule":
      if (allowMethods(r.req, r.res, ["POST"])) await switchSchedule(r, route);
      return;
    case "run":
      if (allowMethods(r.req, r.res, ["GET", "HEAD"])) await showRun(r, route.runId);
      return;
    case "cancel":
      if (allowMethods(r.req, r.res, ["POST"])) await cancelRun(r, route.runId);
      return;
    case "decide":
      if (allowMethods(r.req, r.res, ["POST"])) await decideOnRun(r, route.runId);
      return;
    case "pause":
      if (allowMethods(r.req, r.res, ["POST"])) await pauseOnRun(r, route.runId);
      return;
    case "run-events":
      if (allowMethods(r.req, r.res, ["GET"])) await followRun(r, route.runId);
      return;
    case "history-events":
      if (allowMethods(r.req, r.res, ["GET"])) await followHistory(r);
      return;
    case "not-found":
      notFound(r, "There is no such page.");
      return;
  }
}

async function showCatalog(r: Request): Promise<void> {
  const { deps } = r;
  const names = await deps.catalog.repositories();
  let unchecked = 0;
  const found = await Promise.all(
    names.map(async ({ owner, repo }): Promise<CatalogRepository | null> => {
      const catalog = await deps.catalog.read(owner, repo);
      if (catalog === null) return null;
      let permission: Permission;
      try {
        permission = await deps.permission(repositoryOf(catalog), r.user.login);
      } catch (error) {
        deps.log?.error({ err: error }, `chores: checking ${r.user.login}'s permission on ${owner}/${repo} failed`);
        unchecked++;
        return null;
      }
      if (!atLeast(permission, "read")) return null;
      const entries = [...catalog.chores].sort((a, b) => compare(a.name, b.name));
      const chores = await Promise.all(
        entries.map(async (entry) => {
          const scheduled = scheduleOf(catalog, entry);
          const [runs, next] = await Promise.all([
            deps.history(catalog.owner, catalog.repo, entry.name, CATALOG_HISTORY),
            // One read per scheduled chore; null (and no read) for the others.
            scheduled && deps.schedules ? deps.schedules.control.next(scheduled.ref) : null,
          ]);
          return { entry, runs, ...(scheduled ? { schedule: { schedule: scheduled.schedule, next: deps.schedules ? next : undefined } } : {}) };
        }),
      );
      return { catalog, permission, required: deps.requiredPermission(catalog), chores };
    }),
  );
  const repositories = found
    .filter((repository) => repository !== null)
    .sort((a, b) => compare(`${a.catalog.owner}/${a.catalog.repo}`, `${b.catalog.owner}/${b.catalog.repo}`));
  sendPage(r.req, r.res, 200, <CatalogPage user={r.user} csrf={r.csrf} repositories={repositories} unchecked={unchecked} />);
}

/** A chore the user can read: its repository's catalog, its entry and the user's role there; null when none. */
async function findChore(
  r: Request,
  owner: string,
  repo: string,
  name: string,
): Promise<{ catalog: RepoCatalog; entry: CatalogEntry; permission: Permission } | null> {
  const catalog = await r.deps.catalog.read(owner, repo);
  const entry = catalog?.chores.find((chore) => chore.name === name);
  if (!catalog || !entry) return null;
  const permission = await permissionOf(r, catalog);
  // Someone who cannot read the repository learns nothing of it, not even that it has this chore.
  return atLeast(permission, "read") ? { catalog, entry, permission } : null;
}

async function showChore(r: Request, route: { owner: string; repo: string; name: string }): Promise<void> {
  const found = await findChore(r, route.owner, route.repo, route.name);
  if (found === null) return notFound(r, `There is no chore ${route.name} in ${route.owner}/${route.repo} that you can see.`);
  await sendChorePage(r, 200, found, {});
}

/**
 * The chore's page, with its form when the chore can run and the user may run it: fresh
 * (defaults), or a submission's values again (`given`, secrets left out) with `errors` next
 * to their fields.
 */
async function sendChorePage(
  r: Request,
  status: number,
  found: { catalog: RepoCatalog; entry: CatalogEntry; permission: Permission },
  o: {
    given?: Record<string, string>;
    errors?: Record<string, string>;
    notice?: string;
    requestKey?: string;
    runName?: Omit<RunNameField, "ttlMs">;
    scheduleNotice?: string;
  },
): Promise<void> {
  const { catalog, entry, permission } = found;
  const required = r.deps.requiredPermission(catalog);
  const chore = entry.runnable;
  const reserved = chore ? reservedInputNames(chore.description) : [];
  const blocked =
    reserved.length > 0
      ? `This chore cannot run from this page: its ${reserved.length === 1 ? "input" : "inputs"} ${reserved.map((name) => `"${name}"`).join(", ")} ` +
        `${reserved.length === 1 ? "has a name" : "have names"} the form uses for itself (${RESERVED_FIELDS.join(", ")}). Rename ${reserved.length === 1 ? "it" : "them"} in the chore.`
      : null;
  const mayRun = chore !== null && blocked === null && atLeast(permission, required);
  const [history, schedule] = await Promise.all([
    r.deps.history(catalog.owner, catalog.repo, entry.name, CHORE_HISTORY),
    schedulePanel(r, found, o.scheduleNotice ?? null),
  ]);
  const props: ChorePageProps = {
    user: r.user,
    csrf: r.csrf,
    catalog,
    entry,
    permission,
    required,
    blocked,
    notice: o.notice ?? null,
    form: mayRun
      ? {
          version: chore.commit,
          requestKey: o.requestKey ?? randomUUID(),
          fields: formFields(chore.description, o.given),
          errors: o.errors ?? {},
          resubmitted: o.given !== undefined,
          runName: r.deps.names ? { value: "", error: null, takenBy: null, ...o.runName, ttlMs: r.deps.names.ttlMs } : null,
        }
      : null,
    history,
    schedule: schedule === null ? null : { ...schedule, history },
  };
  sendPage(r.req, r.res, status, <ChorePage {...props} />, hasLiveRuns(props.history) ? LIVE_PAGE_HEADERS : {});
}

/** The schedule panel of a chore whose runnable version has a schedule (its runs are the page's history); null for the others. */
async function schedulePanel(
  r: Request,
  found: { catalog: RepoCatalog; entry: CatalogEntry; permission: Permission },
  notice: string | null,
): Promise<Omit<SchedulePanelProps, "history"> | null> {
  const { catalog, entry, permission } = found;
  const scheduled = scheduleOf(catalog, entry);
  if (scheduled === null) return null;
  const schedules = r.deps.schedules;
  const live = schedules
    ? await Promise.all([schedules.control.next(scheduled.ref), schedules.state(scheduled.ref.schedulerId)]).then(([next, state]) => ({ next, state }))
    : null;
  // Pausing and resuming take the same role as running the chore.
  const mayControl = atLeast(permission, r.deps.requiredPermission(catalog));
  const toggle = mayControl ? { action: scheduleUrl(catalog.owner, catalog.repo, entry.name), csrf: r.csrf } : null;
  return { schedule: scheduled.schedule, live, toggle, notice };
}

/** Pauses or resumes a chore's schedule for who may run the chore; `303` back to its page, or the reason nothing changed. */
async function switchSchedule(r: Request, route: { owner: string; repo: string; name: string }): Promise<void> {
  const { deps, req } = r;
  if (!isSameOriginWrite(req.method, req.headers))
    return sendMessage(r, 403, "Refused", ["This request came from another site, so it was refused. Nothing was changed."]);
  // As for runs: whoever cannot read the repository learns nothing, not even that the chore exists.
  const found = await findChore(r, route.owner, route.repo, route.name);
  if (found === null) return notFound(r, `There is no chore ${route.name} in ${route.owner}/${route.repo} that you can see. Nothing was changed.`);
  const { catalog, entry, permission } = found;
  const back = choreUrl(catalog.owner, catalog.repo, entry.name);
  const parsed = await parseSubmission(req.headers, req, { fileSize: 0, files: 0 });
  if (!parsed.ok) return sendMessage(r, parsed.status, "Form not accepted", [`${capitalize(parsed.message)}. Nothing was changed.`], back);
  if (!deps.signIn.verifyCsrf(req, field(parsed, CSRF_FIELD))) {
    return sendMessage(
      r,
      403,
      "Refused",
      [
        "The form's security token is missing or out of date (did you sign in again since opening the page?). Nothing was changed. Open the page again and retry.",
      ],
      back,
    );
  }
  const required = deps.requiredPermission(catalog);
  if (!atLeast(permission, required)) {
    const repository = `${catalog.owner}/${catalog.repo}`;
    return sendMessage(
      r,
      403,
      "Not allowed",
      [`You have ${permission} permission on ${repository}; pausing and resuming its chores' schedules needs ${required} or above. Nothing was changed.`],
      back,
    );
  }
  const scheduled = scheduleOf(catalog, entry);
  if (scheduled === null || !deps.schedules) {
    return sendMessage(r, 409, "No schedule", [`${entry.name} has no schedule: the version of it that runs declares none. Nothing was changed.`], back);
  }
  const action = field(parsed, SCHEDULE_ACTION_FIELD);
  if (!(SCHEDULE_ACTIONS as readonly (string | undefined)[]).includes(action)) {
    return sendMessage(r, 400, "Form not accepted", [`Say ${SCHEDULE_ACTIONS.join(" or ")}. Nothing was changed.`], back);
  }
  const verdict = await deps.schedules.rate(r.user.login, catalog);
  if (!verdict.allowed) {
    const seconds = Math.ceil(verdict.retryAfterMs / 1000);
    return sendPage(
      req,
      r.res,
      429,
      <MessagePage title="Too many requests" user={r.user} csrf={r.csrf}>
        <p>
          You asked too often in {catalog.owner}/{catalog.repo} just now; try again in {seconds} s. Nothing was changed.
        </p>
        <p>
          <a href={back}>Back</a>
        </p>
      </MessagePage>,
      { "Retry-After": String(seconds) },
    );
  }
  const { ref } = scheduled;
  const changed = action === "pause" ? await deps.schedules.control.pause(ref, r.user.login) : await deps.schedules.control.resume(ref, r.user.login);
  if (changed) return seeOther(r.res, back);
  const state = await deps.schedules.state(ref.schedulerId);
  const notice =
    action === "resume"
      ? "This schedule was not paused: it runs on time. Nothing was changed."
      : state.paused
        ? `This schedule was already paused by ${state.paused.by} since ${formatTime(state.paused.at)}. Nothing was changed.`
        : "This schedule is not set up (chorebot sets it up when the chore is indexed with a valid schedule): there is nothing to pause. Nothing was changed.";
  return sendChorePage(r, 409, found, { scheduleNotice: notice });
}

async function runChore(r: Request, route: { owner: string; repo: string; name: string }): Promise<void> {
  const { deps, req } = r;
  if (!isSameOriginWrite(req.method, req.headers)) return refuseCrossSite(r);
  // Whoever cannot read the repository gets the same answer as for a chore that does not
  // exist, before anything else is judged: a 403 (CSRF) or 413 there would say it exists.
  const found = await findChore(r, route.owner, route.repo, route.name);
  if (found === null) return notFound(r, `There is no chore ${route.name} in ${route.owner}/${route.repo} that you can see. Nothing was run.`);
  const { catalog, entry, permission } = found;
  const fileInputs = Object.values(entry.runnable?.description?.inputs ?? {}).filter((input) => input.type === "file").length;
  const parsed = await parseSubmission(req.headers, req, { fileSize: deps.fileLimit, files: fileInputs + SPARE_FILES });
  const back = choreUrl(catalog.owner, catalog.repo, entry.name);
  if (!parsed.ok) {
    const title = parsed.status === 413 ? "Too large" : "Form not accepted";
    return sendMessage(r, parsed.status, title, [`${capitalize(parsed.message)}. Nothing was run.`], back);
  }
  if (!deps.signIn.verifyCsrf(req, field(parsed, CSRF_FIELD))) return refuseCsrf(r, back);

  const required = deps.requiredPermission(catalog);
  if (!atLeast(permission, required)) {
    const repository = `${catalog.owner}/${catalog.repo}`;
    return sendMessage(
      r,
      403,
      "Not allowed",
      [`You have ${permission} permission on ${repository}; running its chores needs ${required} or above. Nothing was run.`],
      back,
    );
  }

  const chore = entry.runnable;
  const given = parsed.fields;
  const requestKey = field(parsed, REQUEST_KEY_FIELD);
  const key = requestKey !== undefined && REQUEST_KEY.test(requestKey) ? requestKey : undefined;
  if (chore === null) {
    return sendChorePage(r, 409, found, { notice: "This chore can no longer run (see why above). Nothing was run." });
  }
  if (field(parsed, VERSION_FIELD) !== chore.commit) {
    const notice = `This chore changed since the page was opened: it now runs the version of commit ${chore.commit.slice(0, 7)}. Check the form below and press Run again. Nothing was run.`;
    return sendChorePage(r, 409, found, { given, notice, ...(key ? { requestKey: key } : {}) });
  }
  if (reservedInputNames(chore.description).length > 0) return sendChorePage(r, 409, found, {});
  if (key === undefined) {
    return sendMessage(
      r,
      400,
      "Form not accepted",
      ["The form is incomplete (it has no request key). Nothing was run. Open the chore's page again and run it from there."],
      back,
    );
  }
  // The SDK's validators, on what the description declares. The chore's own `validate`
  // functions cannot run here (no chore code runs in the web process): they run when the
  // script starts, and a value they refuse fails the run with their message.
  const checked = validateSubmission(chore.description, parsed, deps.fileLimit);
  // The optional name: left empty, the run has none; given, it must be one (case and look-alikes are refused by RUN_NAME itself).
  const typed = deps.names ? (field(parsed, RUN_NAME_FIELD) ?? "").trim() : "";
  const nameError = typed === "" || RUN_NAME.test(typed) ? null : NOT_A_RUN_NAME;
  if (!checked.ok || nameError !== null) {
    const runName = { value: typed, error: nameError, takenBy: null };
    return sendChorePage(r, 422, found, { given, errors: checked.ok ? {} : checked.errors, requestKey: key, runName });
  }

  // The browser chose the key: in a space of its own (`page:`), so it never names another trigger's run (a comment's `comment-<id>`).
  const runKey = `page:${key}`;
  const request = { catalog, chore, requestedBy: r.user.login, requestKey: runKey, values: checked.values, files: checked.files };
  const runId = choreRunId({ owner: catalog.owner, repo: catalog.repo, name: chore.name, requestKey: runKey });
  // The same form sent again after its run was queued is that run: it claims no name (a changed one would be held by a run that never has it),
  // and stores no inputs (once the run is recorded its own are gone, and a retry of it from the dashboard would run with these).
  if ((await deps.run(runId)) !== null) return seeOther(r.res, runUrl(runId));
  if (typed === "" || !deps.names) {
    const queued = await deps.startRun(request);
    return seeOther(r.res, runUrl(queued.runId));
  }
  const claim = await deps.names.claim(catalog, typed, runId);
  if (claim.taken) {
    const notice = `The run name ${typed} is taken in ${catalog.owner}/${catalog.repo} by another run. Nothing was run.`;
    return sendChorePage(r, 409, found, { given, requestKey: key, notice, runName: { value: typed, error: null, takenBy: claim.runId } });
  }
  try {
    const queued = await deps.startRun({ ...request, name: typed });
    seeOther(r.res, runUrl(queued.runId));
  } catch (error) {
    // Not queued: the name is free again at once. Queued after all (a write after the flow's failed): the run keeps it.
    const queued = await deps.run(runId).then(
      (run) => run !== null,
      () => true,
    );
    if (!queued) await deps.names.release(catalog, typed, runId).catch(() => undefined);
    throw error;
  }
}

/** A run and the user's role on its repository, when they can read it; null otherwise (or when there is no such run). */
async function findRun(r: Request, runId: string) {
  const run = await r.deps.run(runId);
  // Only chore runs: a merged one-off script's run is the dashboard's and /api/runs' to show or cancel.
  if (run === null || run.chore === null) return null;
  const [owner, repo, ...rest] = run.repository.split("/");
  if (!owner || !repo || rest.length > 0) return null;
  const catalog = await r.deps.catalog.read(owner, repo);
  if (catalog === null) return null;
  const permission = await permissionOf(r, catalog);
  return atLeast(permission, "read") ? { run, catalog, permission } : null;
}

async function showRun(r: Request, runId: string): Promise<void> {
  const found = await findRun(r, runId);
  if (found === null) return notFound(r, `There is no run ${runId} that you can see.`);
  const { run, catalog, permission } = found;
  const canCancel = !statusWord(run).final && atLeast(permission, r.deps.requiredPermission(catalog));
  sendPage(
    r.req,
    r.res,
    200,
    <RunPage user={r.user} csrf={r.csrf} run={run} canCancel={canCancel} decide={decideProps(r, catalog, permission)} />,
    statusWord(run).final ? {} : LIVE_PAGE_HEADERS,
  );
}

/** Whether the page shows a parked run's decision buttons, and to whom: deciding needs what running the chore needs. */
function decideProps(r: Request, catalog: RepoCatalog, permission: Permission): { allowed: boolean; required: string } | null {
  if (!r.deps.decisions) return null;
  const required = r.deps.requiredPermission(catalog);
  return { allowed: atLeast(permission, required), required };
}

/**
 * A parked run's Approve, Reject, Continue (with an optional JSON payload), Resume or Roll
 * back: the same checks as Cancel (same origin, CSRF token, the chore's permission), then
 * decideRun, the one way every surface decides. The run's page answers, saying what was taken
 * or why it was refused (409 for the run's state, 403 for one's own approval, 413 for a payload).
 */
async function decideOnRun(r: Request, runId: string): Promise<void> {
  const { deps, req } = r;
  if (!isSameOriginWrite(req.method, req.headers)) return refuseCrossSite(r);
  // Room for a payload's JSON as a person typed it (spaces, indents): decideRun judges its size as JSON, and says so.
  const parsed = await parseSubmission(req.headers, req, { fileSize: 0, files: 0, fieldSize: 2 * MAX_SIGNAL_PAYLOAD_BYTES });
  if (!parsed.ok) return sendMessage(r, parsed.status, "Form not accepted", [`${capitalize(parsed.message)}. Nothing was decided.`], runUrl(runId));
  if (!deps.signIn.verifyCsrf(req, field(parsed, CSRF_FIELD))) return refuseCsrf(r, runUrl(runId));
  const found = await findRun(r, runId);
  if (found === null) return notFound(r, `There is no run ${runId} that you can see.`);
  const { run, catalog, permission } = found;
  const required = deps.requiredPermission(catalog);
  if (!deps.decisions) return sendMessage(r, 404, "Not found", ["Runs cannot be decided on here."], runUrl(runId));
  if (!atLeast(permission, required)) {
    return sendMessage(
      r,
      403,
      "Not allowed",
      [`You have ${permission} permission on ${run.repository}; deciding on its chores' runs needs ${required} or above. Nothing was decided.`],
      runUrl(runId),
    );
  }
  // The signal the form was shown for, so that a form left open while the run went on to another wait is refused (a page from before it named none).
  const signal = field(parsed, SIGNAL_FIELD) ?? run.waiting?.signal ?? null;
  const request = decisionRequest(field(parsed, DECISION_FIELD), field(parsed, PAYLOAD_FIELD), signal);
  if (!request.ok) return sendMessage(r, 400, "Not accepted", [`${request.message} Nothing was decided.`], runUrl(runId));
  // Resume and Roll back decide the interruption the form was shown for, not one that came after it (a form left open, a reload that resubmits it).
  const shownSince = field(parsed, INTERRUPTED_FIELD);
  if (shownSince !== undefined && run.interrupted?.since !== shownSince) {
    const now = run.interrupted ? `it was interrupted again since (at step ${run.interrupted.step ?? "?"})` : "it is no longer interrupted";
    const notice = `Refused: this page showed an earlier interruption of the run; ${now}. Nothing was decided: look at it again.`;
    return sendPage(
      req,
      r.res,
      409,
      <RunPage user={r.user} csrf={r.csrf} run={run} canCancel={false} notice={notice} decide={decideProps(r, catalog, permission)} />,
    );
  }
  // A paused run's Resume decides the pause it was shown for: not a later one, after someone resumed it and it was paused again.
  const shownPaused = field(parsed, PAUSED_FIELD);
  if (shownPaused !== undefined && run.paused?.since !== shownPaused) {
    const now = run.paused ? "it was resumed and paused again since" : "it is no longer paused";
    const notice = `Refused: this page showed an earlier pause of the run; ${now}. Nothing was decided: look at it again.`;
    return sendPage(
      req,
      r.res,
      409,
      <RunPage user={r.user} csrf={r.csrf} run={run} canCancel={false} notice={notice} decide={decideProps(r, catalog, permission)} />,
    );
  }
  const answer = await decideRun(deps.decisions, runId, request.request, { by: r.user.login, via: "page" });
  const after = (await deps.run(runId)) ?? run;
  const notice = answer.ok ? `Done: ${answer.message}.` : `Refused: ${answer.message}.`;
  sendPage(
    req,
    r.res,
    answer.ok ? 200 : answer.status,
    <RunPage user={r.user} csrf={r.csrf} run={after} canCancel={false} notice={notice} decide={decideProps(r, catalog, permission)} />,
  );
}

/**
 * A running iteration's Pause: the same checks as a decision (same origin, CSRF token, the
 * chore's permission), then pauseRun, the one pause path. The run's page answers, saying it
 * stops after its current batch or why nothing was asked (409 for the run's state).
 */
async function pauseOnRun(r: Request, runId: string): Promise<void> {
  const { deps, req } = r;
  if (!isSameOriginWrite(req.method, req.headers)) return refuseCrossSite(r);
  const parsed = await parseSubmission(req.headers, req, { fileSize: 0, files: 0 });
  if (!parsed.ok) return sendMessage(r, parsed.status, "Form not accepted", [`${capitalize(parsed.message)}. Nothing was paused.`], runUrl(runId));
  if (!deps.signIn.verifyCsrf(req, field(parsed, CSRF_FIELD))) return refuseCsrf(r, runUrl(runId));
  const found = await findRun(r, runId);
  if (found === null) return notFound(r, `There is no run ${runId} that you can see.`);
  const { run, catalog, permission } = found;
  const required = deps.requiredPermission(catalog);
  if (!deps.decisions) return sendMessage(r, 404, "Not found", ["Runs cannot be paused here."], runUrl(runId));
  if (!atLeast(permission, required)) {
    return sendMessage(
      r,
      403,
      "Not allowed",
      [`You have ${permission} permission on ${run.repository}; pausing its chores' runs needs ${required} or above. Nothing was paused.`],
      runUrl(runId),
    );
  }
  const answer = await pauseRun(deps.decisions, runId, { by: r.user.login, via: "page" });
  const after = (await deps.run(runId)) ?? run;
  const notice = answer.ok ? `Done: ${answer.message}.` : `Refused: ${answer.message}.`;
  // Still going (it stops at its next checkpoint): Cancel stays, and the page follows it live.
  const live = !statusWord(after).final;
  sendPage(
    req,
    r.res,
    answer.ok ? 200 : answer.status,
    <RunPage user={r.user} csrf={r.csrf} run={after} canCancel={live} notice={notice} decide={decideProps(r, catalog, permission)} />,
    live ? LIVE_PAGE_HEADERS : {},
  );
}

/** A run's live stream, for who can see its page; it starts after what the page (or the stream before) had. */
async function followRun(r: Request, runId: string): Promise<void> {
  const found = await findRun(r, runId);
  if (found === null) return notFound(r, `There is no run ${runId} that you can see.`);
  const lastId = r.req.headers["last-event-id"];
  const after = new URL(r.req.url ?? "/", "http://x").searchParams.get("after");
  const cursor = parseCursor(typeof lastId === "string" ? lastId : after);
  await stream(
    r,
    runStream(
      firstThen(found.run, () => r.deps.run(runId)),
      cursor,
      r.live.logWaitPolls,
    ),
  );
}

/** The live states of a chore page's unfinished runs (`?run=<id>`, each one the user can see; as many as a page lists at most). */
async function followHistory(r: Request): Promise<void> {
  const ids = [...new Set(new URL(r.req.url ?? "/", "http://x").searchParams.getAll("run"))];
  if (ids.length === 0 || ids.length > CHORE_HISTORY || !ids.every((id) => RUN_ID.test(id))) {
    return sendMessage(r, 400, "Not accepted", [`Name between 1 and ${CHORE_HISTORY} runs, each as run=<id>.`]);
  }
  const found = await Promise.all(ids.map((id) => findRun(r, id)));
  if (found.some((run) => run === null)) return notFound(r, "There is no such run that you can see.");
  const loads = new Map(ids.map((id, i) => [id, firstThen(found[i]!.run, () => r.deps.run(id))]));
  await stream(r, historyStream(loads));
}

/** A poll that answers `first` (the run as just checked) once, then what `load` reads; a run that stops being a chore's is gone. */
function firstThen(first: LiveRunView, load: () => Promise<LiveRunView | null>): () => Promise<LiveRunView | null> {
  let next: LiveRunView | null = first;
  return async () => {
    const run = next ?? (await load());
    next = null;
    return run?.chore === null ? null : run;
  };
}

/** Sends an event stream when the user and the server have room for one more, else 429. */
async function stream(r: Request, step: Parameters<typeof sendEventStream>[1]): Promise<void> {
  const release = r.live.streams.acquire(r.user.login);
  if (release === null) {
    return sendMessage(r, 429, "Too many live pages", ["Too many live pages are open; close some, or reload this one in a moment."]);
  }
  try {
    await sendEventStream(r.res, step, r.live.timing);
  } finally {
    release();
  }
}

async function cancelRun(r: Request, runId: string): Promise<void> {
  const { deps, req } = r;
  if (!isSameOriginWrite(req.method, req.headers)) return refuseCrossSite(r);
  const parsed = await parseSubmission(req.headers, req, { fileSize: 0, files: 0 });
  if (!parsed.ok) return sendMessage(r, parsed.status, "Form not accepted", [`${capitalize(parsed.message)}. Nothing was cancelled.`], runUrl(runId));
  if (!deps.signIn.verifyCsrf(req, field(parsed, CSRF_FIELD))) return refuseCsrf(r, runUrl(runId));
  const found = await findRun(r, runId);
  if (found === null) return notFound(r, `There is no run ${runId} that you can see.`);
  const { run, catalog, permission } = found;
  const required = deps.requiredPermission(catalog);
  if (!atLeast(permission, required)) {
    return sendMessage(
      r,
      403,
      "Not allowed",
      [`You have ${permission} permission on ${run.repository}; cancelling its chores' runs needs ${required} or above. Nothing was cancelled.`],
      runUrl(runId),
    );
  }
  if (statusWord(run).final) {
    const notice = `This run is over (${statusWord(run).word}): there is nothing to cancel.`;
    return sendPage(req, r.res, 409, <RunPage user={r.user} csrf={r.csrf} run={run} canCancel={false} notice={notice} />);
  }
  await deps.cancel(runId, r.user.login);
  seeOther(r.res, runUrl(runId));
}

/** The user's role on the catalog's repository, from GitHub; Unavailable when GitHub does not answer. */
async function permissionOf(r: Request, catalog: RepoCatalog): Promise<Permission> {
  try {
    return await r.deps.permission(repositoryOf(catalog), r.user.login);
  } catch (error) {
    r.deps.log?.error({ err: error }, `chores: checking ${r.user.login}'s permission on ${catalog.owner}/${catalog.repo} failed`);
    throw new Unavailable("GitHub did not answer when asked about your permission on the repository. Nothing was run; try again in a moment.");
  }
}

function repositoryOf(catalog: RepoCatalog): { owner: string; repo: string; installationId: number } {
  return { owner: catalog.owner, repo: catalog.repo, installationId: catalog.installationId };
}

/** A text field of the submission (the first of its name). */
function field(submission: Submission, name: string): string | undefined {
  return Object.hasOwn(submission.fields, name) ? submission.fields[name] : undefined;
}

function refuseCrossSite(r: Request): void {
  sendMessage(r, 403, "Refused", ["This request came from another site, so it was refused. Nothing was run."]);
}

function refuseCsrf(r: Request, back: string): void {
  sendMessage(
    r,
    403,
    "Refused",
    ["The form's security token is missing or out of date (did you sign in again since opening the page?). Nothing was run. Open the page again and retry."],
    back,
  );
}

function notFound(r: Request, message: string): void {
  sendMessage(r, 404, "Not found", [message]);
}

function sendMessage(r: Request, status: number, title: string, lines: string[], back?: string): void {
  sendPage(
    r.req,
    r.res,
    status,
    <MessagePage title={title} user={r.user} csrf={r.csrf}>
      {lines.map((line, i) => (
        <p key={i}>{line}</p>
      ))}
      {back ? (
        <p>
          <a href={back}>Back</a>
        </p>
      ) : null}
    </MessagePage>,
  );
}

/** Answers 405 (and returns false) unless the request's method is one of `methods`. */
function allowMethods(req: IncomingMessage, res: ServerResponse, methods: string[]): boolean {
  if (methods.includes(req.method ?? "GET")) return true;
  const body = `use ${methods.join(" or ")}\n`;
  res.writeHead(405, { ...PAGE_HEADERS, Allow: methods.join(", "), "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(body) });
  res.end(body);
  return false;
}

function sendScript(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, {
    "Content-Type": "text/javascript; charset=utf-8",
    "Content-Length": Buffer.byteLength(LIVE_SCRIPT),
    "Cache-Control": "public, max-age=300",
    "X-Content-Type-Options": "nosniff",
  });
  res.end(req.method === "HEAD" ? undefined : LIVE_SCRIPT);
}

/** A page for an error a request ran into: 503 when something it needs did not answer, 500 otherwise. */
function answerFailure(r: Request, error: unknown): void {
  const unavailable = error instanceof Unavailable || isRedisUnavailable(error);
  if (!(error instanceof Unavailable)) r.deps.log?.error({ err: error }, `chores: ${r.req.method} ${r.req.url} failed`);
  if (r.res.headersSent) {
    r.res.destroy();
    return;
  }
  if (error instanceof Unavailable) return sendMessage(r, 503, "Try again shortly", [error.message]);
  if (unavailable)
    return sendMessage(r, 503, "Try again shortly", [
      "chorebot cannot record runs just now (its Redis refuses writes). Nothing was run; try again in a moment.",
    ]);
  sendMessage(r, 500, "Something went wrong", [
    "chorebot could not answer this request; the error is in its log. If you pressed Run, check the chore's latest runs before trying again.",
  ]);
}

function isRedisUnavailable(error: unknown): boolean {
  return error instanceof Error && error.name === "RedisUnavailableError";
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
