import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * HMAC-SHA256 of `<purpose>:<text>` under `secret`. The purpose keeps one secret's uses apart:
 * a login state cookie never passes for a session, nor a session for a CSRF token.
 */
export function mac(secret: string, purpose: string, text: string): Buffer {
  return createHmac("sha256", secret).update(`${purpose}:${text}`).digest();
}

/** Whether two strings are equal, in time that depends on their lengths only. */
export function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}

/** `payload` as JSON, signed: `<base64url JSON>.<base64url MAC>` (cookie-safe characters only). */
export function signValue(secret: string, purpose: string, payload: object): string {
  const body = Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
  return `${body}.${mac(secret, purpose, body).toString("base64url")}`;
}

/** The payload of a `signValue` made with the same secret and purpose, or null for anything else. */
export function readSignedValue(secret: string, purpose: string, value: string | undefined): unknown {
  if (value === undefined) return null;
  const dot = value.indexOf(".");
  if (dot < 0) return null;
  const body = value.slice(0, dot);
  if (!sameText(value.slice(dot + 1), mac(secret, purpose, body).toString("base64url"))) return null;
  try {
    return JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as unknown;
  } catch {
    return null;
  }
}
