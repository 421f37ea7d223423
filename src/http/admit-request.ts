import type { IncomingMessage } from "node:http";
import { isAuthorized } from "./basic-auth.js";
import { clientAddress, type FailedLogins } from "./failed-logins.js";
import { isSameOriginWrite } from "./same-origin.js";

export type Admission = { admitted: true } | { admitted: false; status: 429; retryAfterSeconds: number } | { admitted: false; status: 403 | 401 };

/**
 * The gate in front of everything that can re-run production code (dashboard, runs API):
 * an address locked out after failed logins stays out; a cross-site write is refused before
 * the credentials are even looked at (browsers replay basic auth, and a forged request must
 * never count as a failure); then basic auth, where a wrong password counts as a failure
 * (no Authorization header at all is a browser asking for the login prompt, not a guess).
 * Each caller answers a refusal in its own format.
 */
export async function admitRequest(
  req: IncomingMessage,
  gate: { failedLogins: FailedLogins; trustProxy: boolean; user: string; password: string },
): Promise<Admission> {
  const client = clientAddress(req, gate.trustProxy);
  const lockedFor = await gate.failedLogins.lockedFor(client);
  if (lockedFor !== null) return { admitted: false, status: 429, retryAfterSeconds: lockedFor };
  if (!isSameOriginWrite(req.method, req.headers)) return { admitted: false, status: 403 };
  if (!isAuthorized(req.headers.authorization, gate.user, gate.password)) {
    const retryAfter = req.headers.authorization === undefined ? null : await gate.failedLogins.fail(client);
    if (retryAfter !== null) return { admitted: false, status: 429, retryAfterSeconds: retryAfter };
    return { admitted: false, status: 401 };
  }
  return { admitted: true };
}
