import { randomBytes } from "node:crypto";
import { readSignedValue, signValue } from "./signed-value.js";

/** What a session cookie holds: who signed in, a random session id (the CSRF token's seed) and when it ends (ms since the epoch). */
export interface Session {
  login: string;
  id: number;
  sid: string;
  exp: number;
}

const PURPOSE = "session";

// GitHub logins: alphanumerics and single hyphens, at most 39 characters (GHE allows `_` too).
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,38})$/;

export function newSession(user: { login: string; id: number }, ttlMs: number, now = Date.now()): Session {
  return { login: user.login, id: user.id, sid: randomBytes(18).toString("base64url"), exp: now + ttlMs };
}

export function encodeSession(secret: string, session: Session): string {
  return signValue(secret, PURPOSE, { login: session.login, id: session.id, sid: session.sid, exp: session.exp });
}

/** The session a cookie value holds, or null when it is missing, tampered with, signed with another secret, malformed or expired. */
export function decodeSession(secret: string, value: string | undefined, now = Date.now()): Session | null {
  const payload = readSignedValue(secret, PURPOSE, value);
  if (typeof payload !== "object" || payload === null) return null;
  const { login, id, sid, exp } = payload as Record<string, unknown>;
  if (typeof login !== "string" || !LOGIN.test(login)) return null;
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id <= 0) return null;
  if (typeof sid !== "string" || sid.length < 16) return null;
  if (typeof exp !== "number" || !(exp > now)) return null;
  return { login, id, sid, exp };
}
