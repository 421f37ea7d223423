import { createHash } from "node:crypto";
import { request } from "@octokit/request";
import { githubStatus } from "../github/http-error.js";

/** How long a token's user is remembered: a revoked token stops working within this. */
const DEFAULT_TTL_MS = 60_000;
const MAX_TTL_MS = 60_000;
/** Tokens remembered at most; the oldest go first. */
const DEFAULT_MAX_ENTRIES = 1_000;
/** How long asking GitHub may take before the request is answered 503. */
const GITHUB_TIMEOUT_MS = 10_000;
/** What a token may look like: GitHub's are letters, digits and `_`; anything else (spaces, control characters) is not sent on. */
const TOKEN = /^[A-Za-z0-9_.~+/=-]{1,512}$/;

/** What the API tells a caller whose token names no user. */
export const INSTALLATION_TOKEN_REFUSED =
  "This is an installation token (such as GitHub Actions' GITHUB_TOKEN): it names no GitHub user, so chorebot cannot check who asks. " +
  "Use a personal access token or a GitHub App user token of someone with the chore's permission (in Actions, stored as a repository secret).";

/** What the API tells a caller whose classic token (a PAT or an OAuth app's) lacks the `repo` scope. */
export const TOKEN_SCOPE_REFUSED =
  "This token lacks the repo scope: GitHub lets it do nothing with repositories, so chorebot does not take it to run or read chores " +
  "(a token given to a third-party app to read a profile is not the user's say-so). Use a token with the repo scope, " +
  "a fine-grained personal access token or a GitHub App user token.";

/** Who a token is, or why it names nobody chorebot can check, with the HTTP status to answer. */
export type TokenIdentity =
  | { ok: true; login: string; id: number }
  | { ok: false; status: 401; reason: "rejected"; message: string }
  | { ok: false; status: 403; reason: "installation"; message: string }
  | { ok: false; status: 403; reason: "scope"; message: string }
  | { ok: false; status: 503; reason: "unavailable"; message: string };

/**
 * The token of an `Authorization: Bearer …` or `token …` header (GitHub takes both), or null
 * for any other scheme or no header.
 */
export function bearerToken(header: string | undefined): string | null {
  const match = /^(?:bearer|token)[ \t]+(\S+)[ \t]*$/i.exec(header ?? "");
  return match ? match[1]! : null;
}

/**
 * Asks GitHub whose token it is (`GET /user` at the API URL: github.com or GHE), so that the
 * caller's own permission can be checked. An installation token names no user: `ghs_…` is
 * refused without asking, and a 403 "Resource not accessible by integration" from GitHub is
 * the same. A token GitHub rejects is 401; GitHub not answering (or rate-limiting) is 503.
 *
 * Who a token is, is remembered for `ttlMs` (at most a minute), keyed by the token's
 * SHA-256 (the token itself is not kept), `maxEntries` at most; a failure is never
 * remembered, and lookups of one token at the same time share one request.
 */
export function userTokenLookup(o: { apiUrl: string; ttlMs?: number; maxEntries?: number; now?: () => number }): (token: string) => Promise<TokenIdentity> {
  const ttlMs = o.ttlMs ?? DEFAULT_TTL_MS;
  if (!Number.isFinite(ttlMs) || ttlMs < 0 || ttlMs > MAX_TTL_MS) throw new RangeError(`userTokenLookup: ttlMs must be between 0 and ${MAX_TTL_MS}`);
  const maxEntries = o.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const now = o.now ?? Date.now;
  const api = request.defaults({ baseUrl: o.apiUrl.replace(/\/+$/, "") });
  const cache = new Map<string, { identity: Promise<TokenIdentity>; expiresAt: number }>();

  async function ask(token: string): Promise<TokenIdentity> {
    if (!TOKEN.test(token)) return rejected("The token is not one GitHub issues.");
    if (token.startsWith("ghs_")) return { ok: false, status: 403, reason: "installation", message: INSTALLATION_TOKEN_REFUSED };
    try {
      const { data, headers } = await api("GET /user", {
        headers: { authorization: `token ${token}` },
        request: { signal: AbortSignal.timeout(GITHUB_TIMEOUT_MS) },
      });
      const { login, id } = data as { login?: unknown; id?: unknown };
      if (typeof login !== "string" || typeof id !== "number") return unavailable();
      if (!mayUseRepositories(token, headers["x-oauth-scopes"])) return { ok: false, status: 403, reason: "scope", message: TOKEN_SCOPE_REFUSED };
      return { ok: true, login, id };
    } catch (error) {
      return failure(error);
    }
  }

  return (token) => {
    const key = createHash("sha256").update(token).digest("hex");
    const at = now();
    const cached = cache.get(key);
    if (cached !== undefined && cached.expiresAt > at) return cached.identity;
    cache.delete(key);
    const identity = ask(token);
    if (ttlMs === 0) return identity;
    const entry = { identity, expiresAt: at + ttlMs };
    cache.set(key, entry);
    void identity.then((found) => {
      if (!found.ok && cache.get(key) === entry) cache.delete(key);
    });
    for (const oldest of cache.keys()) {
      if (cache.size <= maxEntries) break;
      cache.delete(oldest);
    }
    return identity;
  };
}

/**
 * Whether a token may act on repositories at all. GitHub names a classic token's scopes in
 * `X-OAuth-Scopes` (a classic PAT, an OAuth app's token): one without `repo` (e.g. `read:user`,
 * or none, as "Sign in with GitHub" sites get) can read a profile, not a repository, and must
 * not run production code as its user. Fine-grained PATs and GitHub App user tokens have no
 * scopes; GitHub limits them per repository instead (not checked here).
 */
function mayUseRepositories(token: string, scopes: string | number | undefined): boolean {
  if (token.startsWith("github_pat_") || token.startsWith("ghu_") || typeof scopes !== "string") return true;
  return scopes.split(",").some((scope) => scope.trim() === "repo");
}

function failure(error: unknown): TokenIdentity {
  const status = githubStatus(error);
  const data = (error as { response?: { data?: { message?: unknown } } }).response?.data;
  const said = typeof data?.message === "string" ? data.message : "";
  if (status === 401) return rejected(`GitHub rejected the token${said ? ` (${said})` : ""}: it is wrong, expired or revoked.`);
  if (status === 403 && /not accessible by integration/i.test(said)) {
    return { ok: false, status: 403, reason: "installation", message: INSTALLATION_TOKEN_REFUSED };
  }
  // Anything else (a rate limit, a 5xx, no answer at all) says nothing about the token.
  return unavailable();
}

function rejected(message: string): TokenIdentity {
  return { ok: false, status: 401, reason: "rejected", message };
}

function unavailable(): TokenIdentity {
  return { ok: false, status: 503, reason: "unavailable", message: "GitHub could not say who this token is; try again in a moment." };
}
