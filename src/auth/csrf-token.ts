import { mac, sameText } from "./signed-value.js";

/** The CSRF token of a session: HMAC(secret, "csrf:" + sid), so it needs no storage and dies with the session. */
export function csrfTokenFor(secret: string, sid: string): string {
  return mac(secret, "csrf", sid).toString("base64url");
}

/** Whether `token` is the session's CSRF token (compared in constant time). */
export function isCsrfToken(secret: string, sid: string, token: string | undefined): boolean {
  return typeof token === "string" && sameText(token, csrfTokenFor(secret, sid));
}
