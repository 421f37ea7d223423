import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { ApiError } from "./api-error.js";
import type { Schema } from "./openapi.js";
import type { RouteResult } from "./router.js";
import type { TokenStore } from "./auth.js";
import { CREATED_AT } from "./shapes.js";
import { isBotLogin, userObject } from "./users.js";

/** GitHub's lifetimes: an authorization code 10 minutes, an expiring user token 8 hours, its refresh token 6 months. */
const CODE_TTL_MS = 10 * 60 * 1000;
const USER_TOKEN_TTL_S = 8 * 60 * 60;
const REFRESH_TOKEN_TTL_S = 184 * 24 * 60 * 60;

/** Where GitHub's OAuth error answers point. */
const ERROR_DOCS = {
  token: "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors",
  authorize: "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors",
};

/** The cookie GitHub knows a signed-in browser by. */
const SESSION_COOKIE = "user_session";

interface Browser {
  login: string;
  /** Presses Cancel on the authorize page instead of Authorize. */
  decline: boolean;
}

interface IssuedCode {
  login: string;
  /** The redirect_uri the authorize request named (null: the first callback URL, none named). */
  redirectUri: string | null;
  expiresAt: number;
}

/** What the OAuth routes see of a request. */
export interface WebRequest {
  method: string;
  /** Below /api/v3 when `underApi`, else the URL path. */
  path: string;
  underApi: boolean;
  url: URL;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
}

/**
 * The GitHub App's OAuth web flow, as GitHub serves it: the authorize page (a user already
 * signed in to GitHub in the browser, who authorised the App before, is sent straight back),
 * the code-for-token exchange, and `GET /api/v3/user` with the user token. Which user a
 * browser is signed in as is the `user_session` cookie `signInAs` hands out, as on GitHub.
 */
export class OAuthFlow {
  /** The App's client id and secret (Settings → General), generated for each stand-in. */
  readonly clientId = `Iv23li${randomBytes(7).toString("hex")}`;
  readonly clientSecret = randomBytes(20).toString("hex");
  /** The App's registered callback URLs; an authorize request without redirect_uri goes to the first. */
  callbackUrls: string[] = [];
  private readonly browsers = new Map<string, Browser>();
  private readonly codes = new Map<string, IssuedCode>();
  private readonly userTokens = new Map<string, { login: string; expiresAt: number }>();

  constructor(private readonly github: { apiUrl: string; htmlUrl: string; tokens: TokenStore }) {}

  /** A browser signed in to GitHub as `login`: the `Cookie` header value it sends to GitHub's pages. */
  signInAs(login: string, o: { decline?: boolean } = {}): string {
    if (isBotLogin(login) || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,38}$/.test(login)) throw new Error(`signInAs: ${JSON.stringify(login)} is not a user login`);
    const session = randomBytes(24).toString("base64url");
    this.browsers.set(session, { login, decline: o.decline ?? false });
    return `${SESSION_COOKIE}=${session}`;
  }

  /** A personal access token of `login` (`ghp_…`, no expiry), as someone creates one in their settings: `GET /user` answers who it is. */
  personalToken(login: string): string {
    if (isBotLogin(login) || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,38}$/.test(login)) throw new Error(`personalToken: ${JSON.stringify(login)} is not a user login`);
    const token = `ghp_${randomBytes(27).toString("base64url").replace(/[-_]/g, "x").slice(0, 36)}`;
    this.userTokens.set(token, { login, expiresAt: Number.POSITIVE_INFINITY });
    return token;
  }

  /** The answer to an OAuth route, or undefined for every other request. */
  answer(req: WebRequest): RouteResult | undefined {
    if (req.underApi) return req.method === "GET" && req.path === "/user" ? this.authenticatedUser(req.headers) : undefined;
    if (req.method === "GET" && req.path === "/login/oauth/authorize") return this.authorize(req);
    if (req.method === "POST" && req.path === "/login/oauth/access_token") return this.accessToken(req);
    return undefined;
  }

  private authorize(req: WebRequest): RouteResult {
    const query = req.url.searchParams;
    if (query.get("client_id") !== this.clientId) return page(404, "Not Found: no application has this client id.");
    const named = query.get("redirect_uri");
    const state = query.get("state");
    const registered = this.callbackUrls[0];
    if (registered === undefined) return page(400, "This application has no callback URL.");
    // GitHub sends a mismatched redirect_uri's browser to the registered callback URL with the error.
    if (named !== null && !this.callbackUrls.includes(named)) {
      return redirectTo(registered, state, {
        error: "redirect_uri_mismatch",
        error_description: "The redirect_uri MUST match the registered callback URL for this application.",
        error_uri: `${ERROR_DOCS.authorize}/#redirect-uri-mismatch`,
      });
    }
    const target = named ?? registered;
    const browser = this.browsers.get(readCookie(req.headers.cookie, SESSION_COOKIE) ?? "");
    if (browser === undefined)
      return page(200, "Sign in to GitHub to continue to chorebot. (Nobody is signed in to the stand-in in this browser: see signInAs.)");
    if (browser.decline) {
      return redirectTo(target, state, {
        error: "access_denied",
        error_description: "The user has denied your application access.",
        error_uri: `${ERROR_DOCS.authorize}/#access-denied`,
      });
    }
    const code = randomBytes(10).toString("hex");
    this.codes.set(code, { login: browser.login, redirectUri: named, expiresAt: Date.now() + CODE_TTL_MS });
    return redirectTo(target, state, { code });
  }

  private accessToken(req: WebRequest): RouteResult {
    const params = formOrJson(req);
    const json = (req.headers.accept ?? "").includes("application/json");
    if (params.get("client_id") !== this.clientId || params.get("client_secret") !== this.clientSecret) {
      return tokenAnswer(json, {
        error: "incorrect_client_credentials",
        error_description: "The client_id and/or client_secret passed are incorrect.",
        error_uri: `${ERROR_DOCS.token}/#incorrect-client-credentials`,
      });
    }
    const code = params.get("code") ?? "";
    const issued = this.codes.get(code);
    this.codes.delete(code);
    if (issued === undefined || issued.expiresAt <= Date.now()) {
      return tokenAnswer(json, {
        error: "bad_verification_code",
        error_description: "The code passed is incorrect or expired.",
        error_uri: `${ERROR_DOCS.token}/#bad-verification-code`,
      });
    }
    const redirectUri = params.get("redirect_uri");
    if (redirectUri !== null && redirectUri !== (issued.redirectUri ?? this.callbackUrls[0])) {
      return tokenAnswer(json, {
        error: "redirect_uri_mismatch",
        error_description: "The redirect_uri MUST match the registered callback URL for this application.",
        error_uri: `${ERROR_DOCS.token}/#redirect-uri-mismatch`,
      });
    }
    const token = `ghu_${randomBytes(27).toString("base64url").replace(/[-_]/g, "x").slice(0, 36)}`;
    this.userTokens.set(token, { login: issued.login, expiresAt: Date.now() + USER_TOKEN_TTL_S * 1000 });
    return tokenAnswer(json, {
      access_token: token,
      expires_in: String(USER_TOKEN_TTL_S),
      refresh_token: `ghr_${randomBytes(57).toString("base64url").replace(/[-_]/g, "x").slice(0, 76)}`,
      refresh_token_expires_in: String(REFRESH_TOKEN_TTL_S),
      scope: "",
      token_type: "bearer",
    });
  }

  /** `GET /user`: only a user token says who "the authenticated user" is; an installation token is not one. */
  private authenticatedUser(headers: IncomingHttpHeaders): RouteResult {
    const header = headers.authorization;
    if (!header) throw new ApiError(401, "Requires authentication", "https://docs.github.com/rest/users/users#get-the-authenticated-user");
    const [scheme = "", token = ""] = header.split(/\s+/, 2);
    const issued = /^(token|bearer)$/i.test(scheme) ? this.userTokens.get(token) : undefined;
    if (issued === undefined || issued.expiresAt <= Date.now()) {
      if (/^(token|bearer)$/i.test(scheme) && this.github.tokens.lookup(token)) {
        throw new ApiError(403, "Resource not accessible by integration", "https://docs.github.com/rest/users/users#get-the-authenticated-user");
      }
      throw new ApiError(401, "Bad credentials", "https://docs.github.com/rest");
    }
    const body = {
      ...userObject(this.github.apiUrl, this.github.htmlUrl, issued.login, "User"),
      name: null,
      company: null,
      blog: "",
      location: null,
      email: null,
      hireable: null,
      bio: null,
      twitter_username: null,
      public_repos: 0,
      public_gists: 0,
      followers: 0,
      following: 0,
      created_at: CREATED_AT,
      updated_at: CREATED_AT,
    } satisfies Schema<"public-user">;
    return { status: 200, body };
  }
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** GitHub reads the exchange's parameters from the query, a form body or a JSON body. */
function formOrJson(req: WebRequest): URLSearchParams {
  const params = new URLSearchParams(req.url.searchParams);
  const text = req.rawBody.toString("utf8");
  const type = (req.headers["content-type"] ?? "").toLowerCase();
  if (type.includes("application/json") && text.trim() !== "") {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ApiError(400, "Problems parsing JSON");
    }
    if (typeof body === "object" && body !== null) {
      for (const [key, value] of Object.entries(body)) if (typeof value === "string") params.set(key, value);
    }
  } else {
    for (const [key, value] of new URLSearchParams(text)) params.set(key, value);
  }
  return params;
}

/** The exchange answers 200 whatever happened: JSON when asked for, else a form-encoded body (GitHub's default). */
function tokenAnswer(json: boolean, fields: Record<string, string>): RouteResult {
  if (json) {
    const body: Record<string, string | number> = { ...fields };
    for (const key of ["expires_in", "refresh_token_expires_in"]) if (key in body) body[key] = Number(body[key]);
    return { status: 200, body };
  }
  return { status: 200, body: new URLSearchParams(fields).toString(), headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" } };
}

function redirectTo(target: string, state: string | null, params: Record<string, string>): RouteResult {
  const url = new URL(target);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  if (state !== null) url.searchParams.set("state", state);
  return { status: 302, headers: { location: url.toString(), "content-type": "text/html; charset=utf-8" } };
}

/** One of GitHub's web pages, reduced to its sentence (fixed text: nothing from the request is echoed). */
function page(status: number, message: string): RouteResult {
  return { status, body: `<!doctype html><title>GitHub</title><p>${message}</p>\n`, headers: { "content-type": "text/html; charset=utf-8" } };
}
