import type { IncomingMessage, ServerResponse } from "node:http";
import type { Handler } from "../http/handler.js";
import { isSameOriginWrite } from "../http/same-origin.js";
import { authPage } from "./auth-page.js";
import { cookieHeader, readCookie } from "./cookies.js";
import { csrfTokenFor, isCsrfToken } from "./csrf-token.js";
import { githubOAuth } from "./github-oauth.js";
import { DEFAULT_NEXT, localPath } from "./local-path.js";
import { decodeLoginState, encodeLoginState, LOGIN_STATE_TTL_MS, newLoginState, stateMatches } from "./login-state.js";
import { readForm } from "./read-form.js";
import { decodeSession, encodeSession, newSession, type Session } from "./session.js";
import { SignInError } from "./sign-in-error.js";

export interface SignedInUser {
  login: string;
  id: number;
}

export interface SignIn {
  /** Serves GET /login, GET /login/callback and POST /logout; true when it handled the request. */
  handler: Handler;
  /** The signed-in user of a request, or null (no cookie, bad signature, expired). */
  user(req: IncomingMessage): SignedInUser | null;
  /** Redirects to /login?next=<this page> (a GET: 302; anything else 303 to the referring page's login). */
  redirectToLogin(req: IncomingMessage, res: ServerResponse): void;
  /** The CSRF token of the request's session (throws without one), and its constant-time check. */
  csrfToken(req: IncomingMessage): string;
  verifyCsrf(req: IncomingMessage, token: string | undefined): boolean;
}

const DEFAULT_SESSION_TTL_MS = 8 * 60 * 60 * 1000;

/**
 * GitHub sign-in with the GitHub App's own OAuth web flow (see githubOAuth), and the signed
 * session cookie it leaves: `{ login, id, sid, exp }` under HMAC-SHA256 of `sessionSecret`,
 * HttpOnly, SameSite=Lax, Secure (and `__Host-` named) when `publicUrl` is https. Nothing is
 * stored on the server: a session lasts `sessionTtlMs` (default 8 hours) or until its cookie
 * is cleared; the user's GitHub token is dropped as soon as GitHub said who they are.
 *
 * - `GET /login?next=/page`: a random `state`, kept with `next` in a short-lived signed cookie
 *   of this browser, then off to GitHub's authorize page. Already signed in: straight to `next`.
 * - `GET /login/callback`: the state must be this browser's (else 403: a forged callback), the
 *   code is exchanged, `GET /user` says who signed in; then a new session and back to `next`.
 * - `POST /logout`: same-origin, with the session's CSRF token as the form field `csrf`; clears
 *   the cookie and answers 303 to /chores.
 *
 * Failures answer a short escaped page with 400, 403 or 502; every answer is `no-store`.
 */
export function createSignIn(o: {
  clientId: string;
  clientSecret: string;
  sessionSecret: string;
  githubWebUrl: string;
  githubApiUrl: string;
  publicUrl: string | null;
  sessionTtlMs?: number;
}): SignIn {
  const secret = o.sessionSecret;
  if (secret.length < 32) throw new RangeError("sign-in: the session secret must be at least 32 characters");
  const ttlMs = o.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new RangeError("sign-in: sessionTtlMs must be a positive number of milliseconds");
  const publicUrl = o.publicUrl?.replace(/\/+$/, "") ?? null;
  const secure = publicUrl?.startsWith("https:") ?? false;
  // `__Host-`: only a Secure, host-only, Path=/ cookie may carry the name, so no sibling subdomain can plant one.
  const sessionCookie = secure ? "__Host-chorebot_session" : "chorebot_session";
  const stateCookie = secure ? "__Secure-chorebot_login" : "chorebot_login";
  const oauth = githubOAuth({
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    githubWebUrl: o.githubWebUrl,
    githubApiUrl: o.githubApiUrl,
    ...(publicUrl === null ? {} : { redirectUrl: `${publicUrl}/login/callback` }),
  });

  const sessionOf = (req: IncomingMessage): Session | null => decodeSession(secret, readCookie(req.headers.cookie, sessionCookie));
  const setSession = (value: string, maxAgeSeconds: number) => cookieHeader(sessionCookie, value, { path: "/", maxAgeSeconds, secure });
  const setState = (value: string, maxAgeSeconds: number) => cookieHeader(stateCookie, value, { path: "/login", maxAgeSeconds, secure });

  async function login(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    const next = localPath(query.get("next"));
    if (sessionOf(req) !== null) return redirect(res, 302, next);
    const started = newLoginState(next);
    redirect(res, 302, oauth.authorizeUrl(started.state), [setState(encodeLoginState(secret, started), LOGIN_STATE_TTL_MS / 1000)]);
  }

  async function callback(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    // The state cookie is single-use: whatever happens next, this browser's sign-in is over.
    const clearState = setState("", 0);
    const started = decodeLoginState(secret, readCookie(req.headers.cookie, stateCookie));
    const again = (next = DEFAULT_NEXT) => ({ href: `/login?next=${encodeURIComponent(next)}`, label: "Sign in again" });
    const fail = (status: number, title: string, message: string, next?: string) => page(res, status, authPage(title, message, again(next)), [clearState]);

    if (started === null) {
      return fail(400, "Sign-in expired", "This sign-in was not started in this browser, or took longer than 10 minutes.");
    }
    if (!stateMatches(started, query.get("state"))) {
      return fail(403, "Sign-in refused", "This sign-in answer does not belong to the sign-in this browser started.", started.next);
    }
    const error = query.get("error");
    if (error !== null) {
      if (error === "access_denied") return fail(403, "Sign-in cancelled", "GitHub says you did not authorize chorebot; you are not signed in.", started.next);
      return fail(400, "Sign-in failed", `GitHub refused the sign-in: ${query.get("error_description") ?? error}`, started.next);
    }
    const code = query.get("code");
    if (code === null || code === "") return fail(400, "Sign-in failed", "GitHub sent no sign-in code.", started.next);

    let session: Session;
    try {
      session = newSession(await oauth.userFor(code), ttlMs);
    } catch (thrown) {
      const failure = thrown instanceof SignInError ? thrown : new SignInError(502, "Signing in failed. Try again in a moment.");
      return fail(failure.status, "Sign-in failed", failure.message, started.next);
    }
    redirect(res, 302, started.next, [clearState, setSession(encodeSession(secret, session), ttlMs / 1000)]);
  }

  async function logout(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!isSameOriginWrite(req.method, req.headers)) {
      return page(res, 403, authPage("Sign-out refused", "This request came from another site."));
    }
    const session = sessionOf(req);
    const form = await readForm(req);
    if (session !== null && !isCsrfToken(secret, session.sid, form?.get("csrf") ?? undefined)) {
      return page(res, 403, authPage("Sign-out refused", "The form was out of date or not from chorebot; reload the page and try again."));
    }
    redirect(res, 303, DEFAULT_NEXT, [setSession("", 0)]);
  }

  return {
    handler: async (req, res) => {
      const { path, query } = splitUrl(req.url);
      const route = ROUTES[path];
      if (route === undefined) return false;
      if ((req.method ?? "GET").toUpperCase() !== route) {
        page(res, 405, authPage("Method not allowed", `Use ${route} for ${path}.`), [], { Allow: route });
        return true;
      }
      if (path === "/login") await login(req, res, query);
      else if (path === "/login/callback") await callback(req, res, query);
      else await logout(req, res);
      return true;
    },

    user(req) {
      const session = sessionOf(req);
      return session === null ? null : { login: session.login, id: session.id };
    },

    redirectToLogin(req, res) {
      const method = (req.method ?? "GET").toUpperCase();
      const read = method === "GET" || method === "HEAD";
      const next = read ? localPath(req.url) : refererPath(req);
      redirect(res, read ? 302 : 303, `/login?next=${encodeURIComponent(next)}`);
    },

    csrfToken(req) {
      const session = sessionOf(req);
      if (session === null) throw new Error("csrfToken: the request has no session");
      return csrfTokenFor(secret, session.sid);
    },

    verifyCsrf(req, token) {
      const session = sessionOf(req);
      return session !== null && isCsrfToken(secret, session.sid, token);
    },
  };
}

const ROUTES: Record<string, "GET" | "POST"> = { "/login": "GET", "/login/callback": "GET", "/logout": "POST" };

function splitUrl(url: string | undefined): { path: string; query: URLSearchParams } {
  const text = url ?? "/";
  const mark = text.indexOf("?");
  return mark < 0 ? { path: text, query: new URLSearchParams() } : { path: text.slice(0, mark), query: new URLSearchParams(text.slice(mark + 1)) };
}

/** The referring page when it is one of this host's own (a form's page), else DEFAULT_NEXT. */
function refererPath(req: IncomingMessage): string {
  const referer = req.headers.referer;
  const host = req.headers.host;
  if (typeof referer !== "string" || typeof host !== "string") return DEFAULT_NEXT;
  try {
    const url = new URL(referer);
    return url.host === host.toLowerCase() ? localPath(`${url.pathname}${url.search}`) : DEFAULT_NEXT;
  } catch {
    return DEFAULT_NEXT;
  }
}

/** Headers of every sign-in answer: never cached, never framed, and the callback's code never leaks through a Referer. */
const NO_STORE = {
  "Cache-Control": "no-store",
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};

function redirect(res: ServerResponse, status: 302 | 303, location: string, cookies: string[] = []): void {
  res.writeHead(status, { ...NO_STORE, Location: location, ...(cookies.length > 0 ? { "Set-Cookie": cookies } : {}) });
  res.end();
}

function page(res: ServerResponse, status: number, html: string, cookies: string[] = [], headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...NO_STORE,
    ...headers,
    "Content-Type": "text/html; charset=utf-8",
    ...(cookies.length > 0 ? { "Set-Cookie": cookies } : {}),
  });
  res.end(html);
}
