import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { BodyBudget } from "./body-budget.js";
import { bodyLimitFor, RECEIVING_BODIES_LIMIT, WEBHOOK_BODY_LIMIT } from "./body-limits.js";
import { CappedRequest } from "./capped-request.js";
import type { RedisHealth } from "../redis/redis-info.js";
import type { RedisUnavailableError } from "../redis/redis-unavailable-error.js";
import { healthAnswer } from "./health.js";
import { logRequest } from "./log-request.js";
import { componentLogger } from "../logger.js";

// How long a refused client has to read the answer before its connection is closed.
const CLOSE_DELAY_MS = 1_000;

/** Answers a request and returns true, or leaves it to whoever comes next (Probot's middleware shape). */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => boolean | void | Promise<boolean | void>;

export interface HttpServer {
  /** The port it listens on (the one the OS picked for port 0). */
  port: number;
  stop(): Promise<void>;
}

/** Webhook events whose handling queues work in Redis: refused at once while Redis refuses writes. */
export const QUEUEING_EVENTS: ReadonlySet<string> = new Set(["push"]);

/** What the web server needs of the Redis monitor (see redis-monitor.ts). */
export interface RedisState {
  health(): RedisHealth;
  /** Non-null while Redis is known to refuse writes: what a delivery that would queue work gets. */
  refusal(): RedisUnavailableError | null;
  countRefusedWebhook(): void;
}

/**
 * chorebot's web server: plain node:http in front of `handle` (Probot's middleware and
 * chorebot's routes), so that every request's body is capped before any of them sees it.
 * A body over its cap (see bodyLimitFor) is answered 413 as soon as that is known, from
 * `Content-Length` before any of it is read, or by counting a chunked one, and the
 * connection is closed rather than the rest read. `GET /ping` answers `PONG` and anything
 * nobody answered gets a 404, as under Probot's own server.
 *
 * With `redis` (the monitor), `GET /health` answers 200 or 503 from its last poll (see
 * healthAnswer), and a webhook that would queue work (QUEUEING_EVENTS) while Redis is known
 * to refuse writes is answered 503 at once, body unread, without calling Redis or Probot.
 * Every webhook answered 503 (here, or by Probot for a handler's RedisUnavailableError) is
 * counted for the monitor's once-a-minute line.
 */
export async function startHttpServer(o: {
  port: number;
  host: string | undefined;
  log: Logger;
  handle: RequestHandler;
  redis?: RedisState;
  /**
   * When the chores pages are served: the body cap of a chore's form (uploads, see
   * choreFormLimit), given only to a POST `admits` lets through (a signed-in user's), so
   * nobody else can make the server hold that much.
   */
  choreForm?: { limit: number; admits(req: IncomingMessage): boolean } | null;
}): Promise<HttpServer> {
  const log = componentLogger(o.log, "http");
  const budget = new BodyBudget(RECEIVING_BODIES_LIMIT);

  const serve = async (req: CappedRequest, res: ServerResponse, expectsContinue: boolean) => {
    logRequest(log, req, res);
    if (o.redis && isWebhook(req)) {
      const redis = o.redis;
      const refusal = QUEUEING_EVENTS.has(String(req.headers["x-github-event"] ?? "")) ? redis.refusal() : null;
      if (refusal) {
        redis.countRefusedWebhook();
        return refuse(res, 503, `${refusal.name}: ${refusal.message}`);
      }
      // Probot answers 503 for a handler's RedisUnavailableError: counted too.
      res.once("finish", () => {
        if (res.statusCode === 503) redis.countRefusedWebhook();
      });
    }
    if (o.redis && isGet(req, "/health")) {
      const { status, body } = healthAnswer(o.redis.health());
      res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : `${JSON.stringify(body)}\n`);
      return;
    }
    const limit = bodyLimitFor(req.url ?? "/", o.choreForm && req.method === "POST" && o.choreForm.admits(req) ? o.choreForm.limit : null);
    // Node's parser has checked the header is one well-formed number.
    if (Number(req.headers["content-length"] ?? 0) > limit) return refuse(res, 413, `request body over ${limit} bytes`);
    if (expectsContinue) res.writeContinue();
    const body = await req.holdBody(limit, budget);
    if (body === "aborted") return;
    if (body === "too-large") return refuse(res, 413, `request body over ${limit} bytes`);
    if (body === "busy") return refuse(res, 503, "too many request bodies arriving at once; try again shortly", { "Retry-After": "5" });
    req.release();
    try {
      if (isPing(req)) res.writeHead(200, { "Content-Type": "text/plain" }).end("PONG");
      else if (!(await o.handle(req, res)) && !res.headersSent) res.writeHead(404).end();
    } catch (error) {
      if (isRedisUnavailable(error) && !res.headersSent) {
        log.warn(`${req.method} ${req.url}: ${error.message}`);
        const body = `${JSON.stringify({ error: `${error.name}: ${error.message}` })}\n`;
        res.writeHead(503, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(body) }).end(body);
        return;
      }
      log.error({ err: error }, `${req.method} ${req.url} failed`);
      if (res.headersSent) res.destroy();
      else res.writeHead(500).end();
    }
  };

  const server = createServer({ IncomingMessage: CappedRequest });
  server.on("request", (req: CappedRequest, res: ServerResponse) => void serve(req, res, false));
  // Without this Node sends `100 Continue` by itself, inviting a body it would then refuse.
  server.on("checkContinue", (req: CappedRequest, res: ServerResponse) => void serve(req, res, true));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port: o.port, host: o.host }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  log.info(`Listening on http://${address.includes(":") ? `[${address}]` : address}:${port}`);

  return {
    port,
    async stop() {
      const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      // Keep-alive sockets would hold close() open indefinitely: drop idle ones now, and any
      // left after a short grace.
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 2_000).unref();
      await closed;
    },
  };
}

function isPing(req: IncomingMessage): boolean {
  return req.method === "GET" && (req.url ?? "").split("?")[0] === "/ping";
}

function isGet(req: IncomingMessage, path: string): boolean {
  return (req.method === "GET" || req.method === "HEAD") && (req.url ?? "").split("?")[0] === path;
}

/** A delivery to the webhook path, matched as @octokit/webhooks matches it (see bodyLimitFor). */
function isWebhook(req: IncomingMessage): boolean {
  return req.method === "POST" && bodyLimitFor(req.url ?? "/") === WEBHOOK_BODY_LIMIT;
}

function isRedisUnavailable(error: unknown): error is RedisUnavailableError {
  return error instanceof Error && error.name === "RedisUnavailableError" && (error as { status?: unknown }).status === 503;
}

/**
 * Answers a request whose body will not be read, then closes the connection (Node would
 * otherwise read the rest of the body to keep it open). The close waits a moment, with the
 * socket no longer read, so that a client still sending gets the answer before the reset
 * its unsent bytes cause.
 */
function refuse(res: ServerResponse, status: 413 | 503, error: string, headers: Record<string, string> = {}): void {
  const body = `${JSON.stringify({ error })}\n`;
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
    Connection: "close",
    ...headers,
  });
  res.write(body);
  const closing = setTimeout(() => res.end(), CLOSE_DELAY_MS);
  res.once("close", () => clearTimeout(closing));
}
