import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { IncomingMessage, ServerResponse } from "node:http";
import { CHORES_STYLESHEET } from "./chores-stylesheet.js";

/** Where the chores pages' assets are served, by chorebot itself: the pages load nothing from elsewhere. */
export const ASSETS_PATH = "/chores/assets/";

/** An asset's link carries its hash (`?v=`): a browser keeps that URL's answer this long, since another content gets another link. */
const IMMUTABLE = "public, max-age=31536000, immutable";
/** An asset asked for without its current hash (by hand, or from a page of an older release): cached briefly. */
const SHORT = "public, max-age=300";

interface Asset {
  body: Buffer;
  type: string;
  /** The body's hash: the `v` of its link and its ETag. */
  hash: string;
}

function asset(body: string | Buffer, type: string): Asset {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  return { body: bytes, type, hash: createHash("sha256").update(bytes).digest("base64url").slice(0, 16) };
}

/**
 * The assets, read once at start: Pico CSS (classless: it styles the pages' semantic HTML; the
 * exact version is pinned in package.json) and chores.css, what Pico does not do. Looked up in a
 * Map by exact name, so no other file can be reached.
 */
const ASSETS: ReadonlyMap<string, Asset> = new Map([
  ["pico.css", asset(readFileSync(createRequire(import.meta.url).resolve("@picocss/pico/css/pico.classless.min.css")), "text/css; charset=utf-8")],
  ["chores.css", asset(CHORES_STYLESHEET, "text/css; charset=utf-8")],
]);

/** The pages' stylesheets, in the order they load (chores.css after Pico, to override it). */
export const STYLESHEET_URLS: readonly string[] = ["pico.css", "chores.css"].map(assetUrl);

/** An asset's link: its path with its hash, so a long cache never serves a stale one. */
function assetUrl(name: string): string {
  return `${ASSETS_PATH}${name}?v=${ASSETS.get(name)!.hash}`;
}

/**
 * Answers a request under /chores/assets/ (to anyone: assets hold nothing private) and returns
 * true; returns false for any other path. GET and HEAD only; 304 when `If-None-Match` names the
 * asset's ETag; 404 for any name not in the table.
 */
export function serveChoresAsset(req: IncomingMessage, res: ServerResponse): boolean {
  // The raw path, not normalised: `/chores/assets/../x` is a name not in the table, so a 404.
  const [path = "", query = ""] = (req.url ?? "/").split(/[?#]/, 2);
  if (!path.startsWith(ASSETS_PATH)) return false;
  const found = ASSETS.get(path.slice(ASSETS_PATH.length));
  if (found === undefined) {
    sendText(res, 404, "no such asset\n");
    return true;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    sendText(res, 405, "use GET or HEAD\n", { Allow: "GET, HEAD" });
    return true;
  }
  const etag = `"${found.hash}"`;
  const headers = {
    ETag: etag,
    "Cache-Control": new URLSearchParams(query).get("v") === found.hash ? IMMUTABLE : SHORT,
    "X-Content-Type-Options": "nosniff",
  };
  if (matchesEtag(req.headers["if-none-match"], etag)) {
    res.writeHead(304, headers);
    res.end();
    return true;
  }
  res.writeHead(200, { ...headers, "Content-Type": found.type, "Content-Length": found.body.length });
  res.end(req.method === "HEAD" ? undefined : found.body);
  return true;
}

/** `If-None-Match` (a list of ETags, or `*`) names `etag`, compared weakly as RFC 9110 says. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(",").some((tag) => {
    const trimmed = tag.trim();
    return trimmed === "*" || trimmed.replace(/^W\//, "") === etag;
  });
}

function sendText(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...headers,
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
  });
  res.end(body);
}
