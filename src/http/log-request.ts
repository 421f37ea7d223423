import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";

/**
 * One line per request, as Probot's server logged them, but without the headers: they
 * carry the dashboard's and the metrics' credentials.
 */
export function logRequest(log: Logger, req: IncomingMessage, res: ServerResponse): void {
  const started = Date.now();
  // Captured now: routers (express) rewrite req.url while they handle it.
  const line = `${req.method} ${req.url}`;
  res.once("close", () => {
    log.info(`${line} ${res.writableFinished ? res.statusCode : "aborted"} - ${Date.now() - started}ms`);
  });
}
