import type { IncomingHttpHeaders } from "node:http";

/** Methods that must not change anything, so a forged one does no harm. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** `Sec-Fetch-Site` values a browser sends when no other site started the request. */
const OWN_SITE_FETCHES = new Set(["same-origin", "none"]);

/**
 * Whether a request may change state as far as cross-site request forgery goes. Browsers
 * replay basic-auth credentials on requests another site starts, so a write is refused when
 * the browser says another site started it (`Sec-Fetch-Site` other than `same-origin`, or
 * `none` for a URL the user typed) or when its `Origin` is not the host it was sent to
 * (`Origin: null`, a malformed or repeated header, or no `Host` to compare with, included).
 * A write with neither header comes from a script or curl, not a browser, and is allowed:
 * basic auth alone guards it. Reads (GET, HEAD, OPTIONS) are always allowed.
 */
export function isSameOriginWrite(method: string | undefined, headers: IncomingHttpHeaders): boolean {
  if (method !== undefined && SAFE_METHODS.has(method.toUpperCase())) return true;

  const fetchSite = headers["sec-fetch-site"];
  if (fetchSite !== undefined && (typeof fetchSite !== "string" || !OWN_SITE_FETCHES.has(fetchSite.trim().toLowerCase()))) {
    return false;
  }

  const origin = headers.origin;
  if (origin === undefined) return true;
  if (typeof origin !== "string") return false;
  const host = headers.host;
  if (typeof host !== "string" || host === "") return false;
  return originHost(origin) === hostOf(origin, host);
}

/** The host (and non-default port) of an `Origin` header, or null for `null` and anything malformed. */
function originHost(origin: string): string | null {
  const url = parse(origin.trim());
  if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) return null;
  // An origin is only scheme://host[:port]; anything more is not one a browser sent.
  if (url.username !== "" || url.password !== "" || url.pathname !== "/" || url.search !== "" || url.hash !== "") {
    return null;
  }
  return url.host;
}

/**
 * The `Host` header normalised like the origin's host (lower case, the origin scheme's
 * default port dropped), or undefined when it is not a bare host[:port].
 */
function hostOf(origin: string, host: string): string | undefined {
  if (!/^[^\s/\\?#@]+$/.test(host)) return undefined;
  const scheme = /^(https?):/i.exec(origin.trim())?.[1]?.toLowerCase() ?? "http";
  return parse(`${scheme}://${host}`)?.host;
}

function parse(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}
