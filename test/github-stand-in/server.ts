import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { ApiError, errorBody } from "./api-error.js";
import { authenticate, type TokenStore } from "./auth.js";
import type { OAuthFlow } from "./routes-oauth.js";
import type { RouteResult, Router } from "./router.js";
import type { BeforeNextOptions, FailNextOptions, RecordedRequest } from "./types.js";

export const API_PREFIX = "/api/v3";
/** GHES serves GraphQL here, beside (not under) /api/v3; the router knows it as "/graphql". */
export const GRAPHQL_PATH = "/api/graphql";

interface Fault extends FailNextOptions {
  remaining: number;
}

interface Hook extends BeforeNextOptions {
  run: () => Promise<void>;
  remaining: number;
}

/** Takes one use of the first registration matching the request; spent ones leave the queue. */
function take<T extends { method: string; path: RegExp; remaining: number }>(queue: T[], method: string, path: string): T | undefined {
  const found = queue.find((candidate) => {
    candidate.path.lastIndex = 0; // a /g or /y pattern must not remember the previous request
    return candidate.remaining > 0 && candidate.method.toUpperCase() === method && candidate.path.test(path);
  });
  if (found) {
    found.remaining--;
    if (found.remaining === 0) queue.splice(queue.indexOf(found), 1);
  }
  return found;
}

/**
 * The HTTP side of the stand-in: reads bodies, records every request, applies injected faults,
 * authenticates, dispatches to the router and renders GitHub-shaped JSON (errors included).
 */
export class ApiServer {
  readonly requests: RecordedRequest[] = [];
  private readonly faults: Fault[] = [];
  private readonly hooks: Hook[] = [];
  private readonly server: Server;
  private port = 0;
  /** How long every answer waits before it is sent (GitHub's round trip, for benchmarks). */
  latencyMs = 0;
  /** Set once the repository state (which needs the port for its URLs) exists. */
  router: Router | undefined;
  tokens: TokenStore | undefined;
  /** GitHub's OAuth web flow: its pages at the root and GET /api/v3/user. */
  oauth: OAuthFlow | undefined;

  constructor() {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        // Only reachable if writing the response itself failed.
        console.error("[github-stand-in] failed to respond", error);
        res.destroy();
      });
    });
  }

  async listen(): Promise<number> {
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  failNext(spec: FailNextOptions): void {
    this.faults.push({ ...spec, remaining: spec.times ?? 1 });
  }

  beforeNext(spec: BeforeNextOptions, hook: () => Promise<void>): void {
    this.hooks.push({ ...spec, run: hook, remaining: spec.times ?? 1 });
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const started = performance.now();
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", `http://127.0.0.1:${this.port}`);
    const rawBody = await readBody(req);
    const underApi = url.pathname === API_PREFIX || url.pathname.startsWith(`${API_PREFIX}/`);
    const path = underApi ? url.pathname.slice(API_PREFIX.length) || "/" : url.pathname;

    // The hook is claimed on arrival and awaited before the handler (and so the mutex) is entered.
    const hook = take(this.hooks, method, path);
    let result = hook ? await runHook(hook, method, path) : undefined;
    if (!result) {
      const fault = take(this.faults, method, path);
      if (fault) {
        result = { status: fault.status, body: fault.body ?? errorBody(fault.status), headers: fault.headers };
      } else {
        result = await this.dispatch(method, path, url, req, rawBody, underApi);
      }
    }
    // Handlers have released the repository mutex by now: the wait holds up only this answer.
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    this.requests.push({ method, path, status: result.status, at, ms: performance.now() - started });
    send(res, result);
  }

  private async dispatch(method: string, path: string, url: URL, req: IncomingMessage, rawBody: Buffer, underApi: boolean): Promise<RouteResult> {
    try {
      const web = this.oauth?.answer({ method, path, underApi, url, headers: req.headers, rawBody });
      if (web) return web;
      const routePath = underApi ? (path === "/graphql" ? undefined : path) : path === GRAPHQL_PATH ? "/graphql" : undefined;
      if (routePath === undefined || !this.router || !this.tokens) throw new ApiError(404, "Not Found");
      const { auth, handler, params } = this.router.resolve(method, routePath);
      const authenticated = authenticate(auth, req.headers, this.tokens);
      let body: unknown;
      if (rawBody.length > 0) {
        try {
          body = JSON.parse(rawBody.toString("utf8"));
        } catch {
          throw new ApiError(400, "Problems parsing JSON");
        }
      }
      return await handler({
        method,
        path: routePath,
        url,
        params,
        query: url.searchParams,
        headers: req.headers,
        body,
        auth: authenticated,
      });
    } catch (error) {
      if (error instanceof ApiError) return { status: error.status, body: error.body };
      console.error("[github-stand-in] handler crashed", error);
      const message = error instanceof Error ? error.message : String(error);
      return { status: 500, body: errorBody(500, `Server Error: ${message}`) };
    }
  }
}

/** Awaits a beforeNext hook; a hook that throws answers the request with a 500 (and is logged). */
async function runHook(hook: Hook, method: string, path: string): Promise<RouteResult | undefined> {
  try {
    await hook.run();
    return undefined;
  } catch (error) {
    console.error(`[github-stand-in] beforeNext hook for ${method} ${path} failed`, error);
    const message = error instanceof Error ? error.message : String(error);
    return { status: 500, body: errorBody(500, `Server Error: beforeNext hook failed: ${message}`) };
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

function send(res: ServerResponse, result: RouteResult): void {
  const headers: Record<string, string> = {
    "x-github-request-id": randomUUID().toUpperCase().slice(0, 23),
    "x-github-media-type": "github.v3; format=json",
    "x-github-api-version-selected": "2022-11-28",
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": "4999",
    "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
    "x-ratelimit-used": "1",
    "x-ratelimit-resource": "core",
    ...result.headers,
  };
  if (result.status === 204 || result.status === 304 || result.body === undefined) {
    res.writeHead(result.status, headers);
    res.end();
    return;
  }
  const payload = typeof result.body === "string" ? result.body : JSON.stringify(result.body);
  res.writeHead(result.status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(payload)),
    ...headers,
  });
  res.end(payload);
}
