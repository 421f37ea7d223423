import { randomBytes } from "node:crypto";
import { localPath } from "./local-path.js";
import { readSignedValue, sameText, signValue } from "./signed-value.js";

/**
 * A sign-in in progress, kept in a short-lived signed cookie of the browser that started it:
 * the random `state` sent to GitHub (a callback whose state is not this browser's is a forged
 * one: login CSRF) and the page to return to.
 */
export interface LoginState {
  state: string;
  next: string;
  exp: number;
}

const PURPOSE = "login-state";

/** How long a browser has to come back from GitHub's authorize page. */
export const LOGIN_STATE_TTL_MS = 10 * 60 * 1000;

export function newLoginState(next: string, now = Date.now()): LoginState {
  return { state: randomBytes(24).toString("base64url"), next: localPath(next), exp: now + LOGIN_STATE_TTL_MS };
}

export function encodeLoginState(secret: string, login: LoginState): string {
  return signValue(secret, PURPOSE, { state: login.state, next: login.next, exp: login.exp });
}

/** The sign-in a cookie value holds, or null when missing, tampered with, malformed or expired. */
export function decodeLoginState(secret: string, value: string | undefined, now = Date.now()): LoginState | null {
  const payload = readSignedValue(secret, PURPOSE, value);
  if (typeof payload !== "object" || payload === null) return null;
  const { state, next, exp } = payload as Record<string, unknown>;
  if (typeof state !== "string" || state.length < 16 || typeof next !== "string" || typeof exp !== "number" || !(exp > now)) return null;
  return { state, next: localPath(next), exp };
}

/** Whether the `state` GitHub sent back is the one this browser's sign-in sent out. */
export function stateMatches(login: LoginState, state: string | null): boolean {
  return state !== null && sameText(state, login.state);
}
