import type { IncomingMessage, ServerResponse } from "node:http";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { Queue } from "bullmq";
import express from "express";
import type { ApplicationFunctionOptions } from "probot";
import { isAuthorized } from "./basic-auth.js";

export type Handler = Parameters<ApplicationFunctionOptions["addHandler"]>[0];

/**
 * Bull Board routes that would let a dashboard user change what runs (new jobs, edited job
 * data) instead of retrying what was reviewed and merged. Retry, clean and pause stay.
 */
const FORBIDDEN_ROUTES = new Set(["post /api/queues/:queueName/add", "patch /api/queues/:queueName/:jobId/update-data"]);

/**
 * The Bull Board dashboard as a Probot HTTP handler, behind HTTP basic auth. Returns null
 * when no credentials are configured: the dashboard can re-run production code, so it is
 * never served without them.
 */
export function createDashboardHandler(o: {
  queues: Queue[];
  user?: string;
  password?: string;
  basePath?: string;
}): Handler | null {
  const { user, password } = o;
  if (!user || !password) return null;
  const basePath = `/${(o.basePath ?? "/admin/queues").replace(/^\/+|\/+$/g, "")}`;
  // At "/" the board would swallow every route Probot did not answer, 404s included.
  if (basePath === "/") throw new RangeError("the dashboard needs a base path other than /");

  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(basePath);
  createBullBoard({
    queues: o.queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: {
      uiConfig: { boardTitle: "chorebot" },
      handlerHooks: {
        before: ({ method, route }) =>
          FORBIDDEN_ROUTES.has(`${method} ${route}`)
            ? { allow: false, status: 403, message: "chorebot only retries reviewed jobs; it does not add or edit them" }
            : { allow: true },
      },
    },
  });
  const app = express();
  app.disable("x-powered-by");
  app.use(basePath, serverAdapter.getRouter());

  return (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (path !== basePath && !path.startsWith(`${basePath}/`)) return false;
    if (!isAuthorized(req.headers.authorization, user, password)) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="chorebot"', "Content-Type": "text/plain; charset=utf-8" });
      res.end("Authentication required\n");
      return true;
    }
    // Browsers replay basic-auth credentials on cross-site requests; refuse those writes.
    if (req.method !== "GET" && req.method !== "HEAD" && req.headers["sec-fetch-site"] === "cross-site") {
      res.writeHead(403, { "Content-Type": "text/plain; charset=utf-8" }).end("Cross-site request refused\n");
      return true;
    }
    app(req, res);
    return true;
  };
}
