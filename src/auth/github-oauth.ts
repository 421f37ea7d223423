import { exchangeWebFlowCode, getWebFlowAuthorizationUrl } from "@octokit/oauth-methods";
import { request } from "@octokit/request";
import { githubStatus } from "../github/http-error.js";
import { SignInError } from "./sign-in-error.js";

/** How long one call to GitHub may take before the sign-in gives up (a hung GitHub must not hold the browser forever). */
const GITHUB_TIMEOUT_MS = 15_000;

export interface GitHubUser {
  login: string;
  id: number;
}

/** The GitHub App's OAuth web flow: where to send the browser, and who came back. */
export interface GitHubOAuth {
  /** GitHub's authorize page for this sign-in (`state` comes back with the browser). */
  authorizeUrl(state: string): string;
  /** Exchanges the callback's `code` for a user token and asks GitHub whose it is; the token is not kept. Throws SignInError. */
  userFor(code: string): Promise<GitHubUser>;
}

/**
 * Octokit's OAuth methods (clientType "github-app") on a request bound to the API URL: they
 * derive the web host from it (github.com, `*.ghe.com`, or the GHE host without `/api/v3`) for
 * the authorize page and the token exchange, and `GET /user` goes to the API itself. Throws
 * when that derived host is not `githubWebUrl`, rather than send people to the wrong host.
 * `redirectUrl` undefined: GitHub uses the App's registered callback URL.
 */
export function githubOAuth(o: { clientId: string; clientSecret: string; githubWebUrl: string; githubApiUrl: string; redirectUrl?: string }): GitHubOAuth {
  const api = request.defaults({ baseUrl: o.githubApiUrl.replace(/\/+$/, "") });
  const base = { clientType: "github-app" as const, clientId: o.clientId, ...(o.redirectUrl === undefined ? {} : { redirectUrl: o.redirectUrl }) };
  const authorizeUrl = (state: string) => getWebFlowAuthorizationUrl({ ...base, state, request: api }).url;

  const expected = `${o.githubWebUrl.replace(/\/+$/, "")}/login/oauth/authorize?`;
  if (!authorizeUrl("check").startsWith(expected)) {
    throw new RangeError(`sign-in: GitHub's web address ${o.githubWebUrl} does not go with its API address ${o.githubApiUrl}`);
  }

  return {
    authorizeUrl,
    async userFor(code) {
      let token: string;
      try {
        const { authentication } = await exchangeWebFlowCode({ ...base, clientSecret: o.clientSecret, code, request: timed(api) });
        token = authentication.token;
      } catch (error) {
        throw exchangeFailure(error);
      }
      try {
        const { data } = await timed(api)("GET /user", { headers: { authorization: `token ${token}` } });
        const { login, id } = data;
        if (typeof login !== "string" || typeof id !== "number" || !Number.isSafeInteger(id)) throw new Error("GET /user answered no user");
        return { login, id };
      } catch {
        throw new SignInError(502, "GitHub did not say who you are. Try signing in again in a moment.");
      }
    },
  };
}

function timed(api: typeof request): typeof request {
  return api.defaults({ request: { signal: AbortSignal.timeout(GITHUB_TIMEOUT_MS) } });
}

/** GitHub's OAuth errors (a 200 with `error`, which Octokit throws as a 400) are the code's fault; anything else is GitHub being unreachable. */
function exchangeFailure(error: unknown): SignInError {
  if (githubStatus(error) === 400) {
    const data = (error as { response?: { data?: { error?: unknown } } }).response?.data;
    if (data?.error === "bad_verification_code") {
      return new SignInError(400, "GitHub did not accept this sign-in (the code was already used or has expired). Sign in again.");
    }
    return new SignInError(502, "GitHub refused chorebot's sign-in request; the App's client id, secret or callback URL may be wrong.");
  }
  return new SignInError(502, "GitHub could not be reached to finish signing in. Try again in a moment.");
}
