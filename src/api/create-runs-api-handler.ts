import type { IncomingMessage, ServerResponse } from "node:http";
import { isAuthorized } from "../dashboard/basic-auth.js";
import type { Handler } from "../dashboard/create-dashboard-handler.js";
import { clientAddress, FailedLogins } from "../dashboard/failed-logins.js";
import { isSameOriginWrite } from "../dashboard/same-origin.js";
import { cleanActorName, type Cancellations } from "../pipeline/cancellations.js";
import { BodyError, readJsonBody } from "./read-json-body.js";

const PREFIX = "/api/runs/";
const CANCEL = /^\/api\/runs\/([^/]+)\/cancel\/?$/;
// Run ids are BullMQ custom ids from runIdFor: no `:` and no `/`.
const RUN_ID = /^[A-Za-z0-9._-]{1,200}$/;
const MAX_BODY_BYTES = 4096;

/** The answer to a cancel request. */
export interface CancelAnswer {
  run: string;
  state: "running" | "waiting" | "finished";
  /** Whether this request will stop the run (a finished run is left alone). */
  cancelled: boolean;
  by: string;
  message: string;
}

/**
 * `POST /api/runs/<runId>/cancel` as a Probot HTTP handler, behind the dashboard's basic
 * auth, its cross-site write check and a failed-login limit (pass the dashboard's
 * `failedLogins` to share one count). Answers JSON: 202 with a `CancelAnswer` for a running
 * or waiting run, 409 for a finished one, 404 `{ error }` for no such run. The request is
 * made on behalf of the `by` of a JSON body (`{ "by": "alice" }`, e.g. from the CLI),
 * cleaned up, or else of the authenticated user.
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
}): Handler {
  const { user, password } = o;
  if (!user || !password) return () => false;
  const failedLogins = o.failedLogins ?? new FailedLogins(o.maxFailedLogins ?? 10, o.failedLoginWindowSeconds ?? 15 * 60);
  const trustProxy = o.trustProxy ?? false;

  return async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (!path.startsWith(PREFIX)) return false;
    const client = clientAddress(req, trustProxy);
    const lockedFor = await failedLogins.lockedFor(client);
    if (lockedFor !== null) {
      tooManyFailures(res, lockedFor);
      return true;
    }
    // Before the credentials are looked at, so a forged request never counts as a failure.
    if (!isSameOriginWrite(req.method, req.headers)) {
      json(res, 403, { error: "cross-site request refused" });
      return true;
    }
    if (!isAuthorized(req.headers.authorization, user, password)) {
      const retryAfter = req.headers.authorization === undefined ? null : await failedLogins.fail(client);
      if (retryAfter !== null) {
        tooManyFailures(res, retryAfter);
        return true;
      }
      json(res, 401, { error: "authentication required" }, { "WWW-Authenticate": 'Basic realm="chorebot"' });
      return true;
    }

    const route = CANCEL.exec(path);
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
    let body: Record<string, unknown>;
    try {
      body = await readJsonBody(req, MAX_BODY_BYTES);
    } catch (error) {
      if (!(error instanceof BodyError)) throw error;
      json(res, error.status, { error: error.message }, error.status === 413 ? { Connection: "close" } : {});
      return true;
    }
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
      json(res, 404, { error: `no run ${runId}` });
      return true;
    }
    const answer: CancelAnswer = { run: runId, state, cancelled: state !== "finished", by, message: describe(runId, state, by) };
    json(res, state === "finished" ? 409 : 202, answer);
    return true;
  };
}

function describe(runId: string, state: "running" | "waiting" | "finished", by: string): string {
  switch (state) {
    case "running":
      return `${runId} is running: its script is being stopped (cancelled by ${by})`;
    case "waiting":
      return `${runId} has not started: it will not run (cancelled by ${by})`;
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

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", ...headers });
  res.end(`${JSON.stringify(body)}\n`);
}

function tooManyFailures(res: ServerResponse, retryAfterSeconds: number): void {
  json(res, 429, { error: "too many failed logins; try again later" }, { "Retry-After": String(retryAfterSeconds) });
}
