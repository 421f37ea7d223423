import type { IncomingMessage } from "node:http";
import { bearerToken, type TokenIdentity } from "../auth/user-token.js";
import { clientAddress, type FailedLogins } from "../http/failed-logins.js";

/** A request let in as a GitHub user, or the answer that refuses it. */
export type UserAdmission = { ok: true; login: string } | { ok: false; status: number; body: { error: string }; headers: Record<string, string> };

const ASK_FOR_TOKEN = { "WWW-Authenticate": 'Bearer realm="chorebot"' };

/**
 * The gate of the API for automation: the caller's own GitHub user token (`Authorization:
 * Bearer …` or `token …`), whose user GitHub names (`identify`); that user's permission is
 * checked afterwards, per repository. The dashboard's basic-auth login is refused here: it
 * names no GitHub user, and a run records who asked for it. A client locked out after failed
 * tokens stays out (429, even with a good token, as behind the dashboard's login); a token
 * GitHub rejects counts as a failure, so guessing tokens is slowed. A request with no token
 * at all is no guess.
 */
export async function admitUser(
  req: IncomingMessage,
  gate: { identify(token: string): Promise<TokenIdentity>; failedLogins: FailedLogins; trustProxy: boolean },
): Promise<UserAdmission> {
  const client = clientAddress(req, gate.trustProxy);
  const lockedFor = await gate.failedLogins.lockedFor(client);
  if (lockedFor !== null) return tooMany(lockedFor);
  const header = req.headers.authorization;
  const token = bearerToken(header);
  if (token === null) {
    const error = /^basic\b/i.test(header ?? "")
      ? "the dashboard's login is not taken here: send your own GitHub user token (Authorization: Bearer <personal access token or GitHub App user token>)"
      : "authentication required: send a GitHub user token (Authorization: Bearer <personal access token or GitHub App user token>)";
    return { ok: false, status: 401, body: { error }, headers: ASK_FOR_TOKEN };
  }
  const identity = await gate.identify(token);
  if (identity.ok) return { ok: true, login: identity.login };
  if (identity.reason === "rejected") {
    const retryAfter = await gate.failedLogins.fail(client);
    if (retryAfter !== null) return tooMany(retryAfter);
    return { ok: false, status: 401, body: { error: identity.message }, headers: ASK_FOR_TOKEN };
  }
  return { ok: false, status: identity.status, body: { error: identity.message }, headers: identity.status === 503 ? { "Retry-After": "5" } : {} };
}

function tooMany(retryAfterSeconds: number): UserAdmission {
  return {
    ok: false,
    status: 429,
    body: { error: "too many refused tokens from this address; try again later" },
    headers: { "Retry-After": String(retryAfterSeconds) },
  };
}
