import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { bearerToken, type TokenIdentity } from "../auth/user-token.js";
import { clientAddress, type FailedLogins } from "../http/failed-logins.js";

/** A request let in as a GitHub user, or the answer that refuses it. */
export type UserAdmission = { ok: true; login: string } | { ok: false; status: number; body: { error: string }; headers: Record<string, string> };

const ASK_FOR_TOKEN = { "WWW-Authenticate": 'Bearer realm="chorebot"' };

/**
 * Different tokens one client may have GitHub asked about at once. A token is counted as a
 * failure only once GitHub has answered, so without this cap a guesser's parallel requests
 * all got past the lockout before the first was counted (and each cost a `GET /user`, which
 * GitHub answers with an address block of its own after enough bad tokens). One token asked
 * about many times at once is one (identify shares the request).
 */
export const MAX_PENDING_TOKENS = 10;

/** The tokens each client is having checked right now (one per gate, shared by its requests). */
export type PendingTokens = Map<string, Set<string>>;

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
  gate: { identify(token: string): Promise<TokenIdentity>; failedLogins: FailedLogins; trustProxy: boolean; pending?: PendingTokens },
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
  const identity = await withPending(gate.pending, client, token, () => gate.identify(token));
  if (identity === null) return tooMany(5, "too many different tokens from this address are being checked at once; try again in a moment");
  if (identity.ok) return { ok: true, login: identity.login };
  if (identity.reason === "rejected") {
    const retryAfter = await gate.failedLogins.fail(client);
    if (retryAfter !== null) return tooMany(retryAfter);
    return { ok: false, status: 401, body: { error: identity.message }, headers: ASK_FOR_TOKEN };
  }
  return { ok: false, status: identity.status, body: { error: identity.message }, headers: identity.status === 503 ? { "Retry-After": "5" } : {} };
}

/** `check()` counted among `client`'s tokens being checked, or null when it has MAX_PENDING_TOKENS others already. */
async function withPending<T>(pending: PendingTokens | undefined, client: string, token: string, check: () => Promise<T>): Promise<T | null> {
  if (pending === undefined) return check();
  const key = createHash("sha256").update(token).digest("hex");
  const mine = pending.get(client) ?? new Set<string>();
  if (!mine.has(key) && mine.size >= MAX_PENDING_TOKENS) return null;
  const added = !mine.has(key);
  mine.add(key);
  pending.set(client, mine);
  try {
    return await check();
  } finally {
    if (added) mine.delete(key);
    if (mine.size === 0 && pending.get(client) === mine) pending.delete(client);
  }
}

function tooMany(retryAfterSeconds: number, error = "too many refused tokens from this address; try again later"): UserAdmission {
  return {
    ok: false,
    status: 429,
    body: { error },
    headers: { "Retry-After": String(retryAfterSeconds) },
  };
}
