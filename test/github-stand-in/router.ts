import type { IncomingHttpHeaders } from "node:http";
import { notFound } from "./api-error.js";
import type { Authenticated, AuthKind } from "./auth.js";
import type { OperationId, OperationResult, RawOperation, RawResult } from "./openapi.js";

export interface RouteContext {
  method: string;
  /** Path below /api/v3, still percent-encoded, without the query. */
  path: string;
  /** The full request URL as the client would see it (used for Link headers). */
  url: URL;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (undefined when the request had none). */
  body: unknown;
  auth: Authenticated;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler<Result extends RouteResult = RouteResult> = (ctx: RouteContext) => Promise<Result> | Result;

/** GraphQL answers 200 with `data` and/or `errors`, whatever went wrong. */
export interface GraphQLResult {
  status: 200;
  body: { data?: unknown; errors?: { type?: string; path?: string[]; message: string }[] };
}

/** What a route may answer: its REST operation's documented success shapes (or GraphQL's). */
export type ResultOf<Op extends OperationId | "graphql"> = Op extends OperationId
  ? OperationResult<Op> | (Op extends RawOperation ? RawResult : never)
  : GraphQLResult;

interface Route {
  method: string;
  segments: string[];
  auth: AuthKind;
  handler: Handler;
}

/**
 * A tiny router. Patterns are "/repos/:owner/:repo/contents/*path": `:name` captures one path
 * segment, `*name` captures the (possibly empty) rest. Captures are percent-decoded after
 * matching, so Octokit's encoded slashes (`heads%2Fmain`, `dir%2Ffile.ts`) work like on GitHub.
 */
export class Router {
  private readonly routes: Route[] = [];

  /** Serves `operation` (GitHub's operation id, which types the answers) at `method pattern`. */
  add<Op extends OperationId | "graphql">(method: string, pattern: string, auth: AuthKind, _operation: Op, handler: Handler<ResultOf<Op>>): this {
    this.routes.push({ method: method.toUpperCase(), segments: pattern.split("/").slice(1), auth, handler });
    return this;
  }

  /** Finds the route or throws a GitHub 404. */
  resolve(method: string, path: string): { auth: AuthKind; handler: Handler; params: Record<string, string> } {
    const raw = path.split("/").slice(1);
    for (const route of this.routes) {
      if (route.method !== method.toUpperCase()) continue;
      const params = matchSegments(route.segments, raw);
      if (params) return { auth: route.auth, handler: route.handler, params };
    }
    throw notFound();
  }
}

function decode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

function matchSegments(pattern: string[], raw: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const segment = pattern[i]!;
    if (segment.startsWith("*")) {
      const rest = decode(raw.slice(i).join("/"));
      if (rest === undefined) return undefined;
      params[segment.slice(1)] = rest;
      return params;
    }
    const value = raw[i];
    if (value === undefined) return undefined;
    if (segment.startsWith(":")) {
      const decoded = decode(value);
      if (decoded === undefined || decoded === "") return undefined;
      params[segment.slice(1)] = decoded;
    } else if (segment !== value) {
      return undefined;
    }
  }
  return raw.length === pattern.length ? params : undefined;
}
