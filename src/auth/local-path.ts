/** Where a signed-in user lands when no (acceptable) page was asked for. */
export const DEFAULT_NEXT = "/chores";

const ORIGIN = "http://chorebot.invalid";

/**
 * `next` when it is a page of this server: a path starting with one `/` (not `//` nor `/\`,
 * which browsers read as another host), with no control characters or spaces (browsers drop
 * tabs and newlines, so `/\t/evil.example` would become `//evil.example`), that stays on this
 * origin once parsed and still starts with one `/` once its dot segments are gone, and is not a
 * sign-in route (which would loop). Anything else: DEFAULT_NEXT.
 */
export function localPath(next: string | null | undefined): string {
  if (typeof next !== "string" || next.length > 2048) return DEFAULT_NEXT;
  if (!next.startsWith("/") || next[1] === "/" || next[1] === "\\") return DEFAULT_NEXT;
  if ([...next].some((char) => char <= " " || char === "\x7f" || char === "\\")) return DEFAULT_NEXT;
  let url: URL;
  try {
    url = new URL(next, ORIGIN);
  } catch {
    return DEFAULT_NEXT;
  }
  if (url.origin !== ORIGIN) return DEFAULT_NEXT;
  // Dot segments can leave `//` in front once removed (`/.//evil.example` is `//evil.example`).
  if (url.pathname.startsWith("//")) return DEFAULT_NEXT;
  if (url.pathname === "/login" || url.pathname.startsWith("/login/") || url.pathname === "/logout") return DEFAULT_NEXT;
  return `${url.pathname}${url.search}`;
}
