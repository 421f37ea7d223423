import type { IncomingMessage, ServerResponse } from "node:http";
import { createBullBoard } from "@bull-board/api";
import { ExpressAdapter } from "@bull-board/express";
import type { Queue } from "bullmq";
import express, { type Router } from "express";
import { admitRequest } from "../http/admit-request.js";
import { FailedLogins } from "../http/failed-logins.js";
import type { Handler } from "../http/handler.js";
import { boardQueues, explainFailures } from "./board-queues.js";
import { dashboardGuard } from "./dashboard-guard.js";
import type { ParkedRun, ParkedRuns } from "../stores/parked-runs.js";

/**
 * The Bull Board dashboard as a Probot HTTP handler, behind HTTP basic auth. Returns null
 * when no credentials are configured: the dashboard can re-run production code, so it is
 * never served without them.
 *
 * After `maxFailedLogins` (default 10) failed logins from one client address within
 * `failedLoginWindowSeconds` (default 900) of its first, that address gets 429 with
 * `Retry-After` until the window passes, even with the right password; pass `failedLogins`
 * to share one count with the runs API. The address is the socket's peer; `trustProxy`
 * (default false) takes it from `X-Forwarded-For` instead, for use behind a reverse proxy
 * only. Writes (other than GET, HEAD, OPTIONS) a browser sent from another site are refused
 * with 403: see `isSameOriginWrite`.
 */
/** How many parked runs' execute jobs the dashboard titles by what they wait for (the oldest). */
const PARKED_TITLES = 200;

export function createDashboardHandler(o: {
  queues: Queue[];
  /** JOB_LOCK_MS (default 30 s): a retry of a run whose worker lost its claim waits until its script is surely stopped. */
  lockMs?: number;
  user?: string;
  password?: string;
  basePath?: string;
  failedLogins?: FailedLogins;
  maxFailedLogins?: number;
  failedLoginWindowSeconds?: number;
  trustProxy?: boolean;
  /** Parked runs: their execute jobs are titled by what they wait for, and an interrupted one is not retried without a decision. */
  parked?: Pick<ParkedRuns, "read" | "list">;
}): Handler | null {
  const { user, password } = o;
  if (!user || !password) return null;
  const failedLogins = o.failedLogins ?? new FailedLogins(o.maxFailedLogins, o.failedLoginWindowSeconds);
  const trustProxy = o.trustProxy ?? false;
  const basePath = `/${(o.basePath ?? "/admin/queues").replace(/^\/+|\/+$/g, "")}`;
  // At "/" the board would swallow every route Probot did not answer, 404s included.
  if (basePath === "/") throw new RangeError("the dashboard needs a base path other than /");

  // The parked runs as the last API read found them: Bull Board's name formatter is synchronous.
  let parkedNow = new Map<string, ParkedRun>();
  const refreshParked = async () => {
    if (!o.parked) return;
    const ids = await o.parked.list(PARKED_TITLES);
    const records = await Promise.all(ids.map((id) => o.parked!.read(id)));
    parkedNow = new Map(records.flatMap((record) => (record ? [[record.runId, record] as const] : [])));
  };

  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(basePath);
  createBullBoard({
    queues: boardQueues(o.queues, (runId) => parkedNow.get(runId) ?? null),
    serverAdapter,
    options: {
      uiConfig: { boardTitle: "chorebot" },
      handlerHooks: { before: dashboardGuard(o.queues, { lockMs: o.lockMs ?? 30_000, parked: o.parked }), after: explainFailures },
    },
  });
  const app = express();
  app.disable("x-powered-by");
  app.use((_req, res, next) => {
    res.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    next();
  });
  // @bull-board/express types its router as `any`.
  app.use(basePath, serverAdapter.getRouter() as Router);

  return async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (path !== basePath && !path.startsWith(`${basePath}/`)) return false;
    const admission = await admitRequest(req, { failedLogins, trustProxy, user, password });
    if (!admission.admitted) {
      if (admission.status === 429) tooManyFailures(res, admission.retryAfterSeconds);
      else if (admission.status === 403) res.writeHead(403, { "Content-Type": "text/plain; charset=utf-8" }).end("Cross-site request refused\n");
      else {
        res.writeHead(401, { "WWW-Authenticate": 'Basic realm="chorebot"', "Content-Type": "text/plain; charset=utf-8" });
        res.end("Authentication required\n");
      }
      return true;
    }
    // Titles only: a failed read leaves the last ones.
    if (path.startsWith(`${basePath}/api/`)) await refreshParked().catch(() => undefined);
    app(req, res);
    return true;
  };
}

/**
 * The dashboard's pages load only what chorebot serves: Bull Board's page asks for Google's
 * fonts, a request to a third party from an operator's browser (and one that fails on a host
 * without internet); the browser refuses it and uses its own fonts. Nothing is framed, and a
 * job's data can never load or run code from elsewhere. Inline styles are Bull Board's own.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join("; ");

function tooManyFailures(res: ServerResponse, retryAfterSeconds: number): void {
  res.writeHead(429, { "Retry-After": String(retryAfterSeconds), "Content-Type": "text/plain; charset=utf-8" });
  res.end("Too many failed logins; try again later\n");
}
