import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Checks an `Authorization: Basic …` header against the configured user and password.
 * Both parts are always compared, as equal-length digests, so the time taken says nothing
 * about which part was wrong or how much of it matched.
 */
export function isAuthorized(header: string | undefined, user: string, password: string): boolean {
  if (header === undefined || user === "" || password === "") return false;
  const match = /^Basic[ \t]+([A-Za-z0-9+/=_-]+)[ \t]*$/i.exec(header);
  if (match === null) return false;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return false;
  const userOk = sameSecret(decoded.slice(0, colon), user);
  const passwordOk = sameSecret(decoded.slice(colon + 1), password);
  return userOk && passwordOk;
}

function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
