/** The value of the first cookie called `name` in a `Cookie` header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return value.startsWith('"') && value.endsWith('"') && value.length >= 2 ? value.slice(1, -1) : value;
  }
  return undefined;
}

export interface CookieOptions {
  path: string;
  /** Seconds until the browser forgets it; 0 deletes it. */
  maxAgeSeconds: number;
  secure: boolean;
}

/**
 * A `Set-Cookie` value that scripts cannot read (HttpOnly) and other sites' requests do not
 * carry, except top-level GET navigations such as GitHub's redirect back (SameSite=Lax).
 * `value` must already be cookie-safe (signValue's output is).
 */
export function cookieHeader(name: string, value: string, o: CookieOptions): string {
  const parts = [`${name}=${value}`, `Path=${o.path}`, `Max-Age=${Math.max(0, Math.floor(o.maxAgeSeconds))}`, "HttpOnly", "SameSite=Lax"];
  if (o.maxAgeSeconds <= 0) parts.push("Expires=Thu, 01 Jan 1970 00:00:00 GMT");
  if (o.secure) parts.push("Secure");
  return parts.join("; ");
}
