import type { IncomingMessage, ServerResponse } from "node:http";
import type { VNode } from "preact";
import { render } from "preact-render-to-string";

/**
 * What every chores page is sent with: nothing but the page's own stylesheet may load, forms
 * post only to chorebot, no framing, never cached (pages show live state and a CSRF token),
 * no content sniffing, and no address leaked to other sites (same-origin keeps the `Origin` of
 * chorebot's own form posts, which the same-origin check reads).
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "same-origin",
};

/** Renders `page` (an `<html>` element; preact escapes every text and attribute) and sends it. */
export function sendPage(req: IncomingMessage, res: ServerResponse, status: number, page: VNode, headers: Record<string, string> = {}): void {
  const html = `<!doctype html>\n${render(page)}\n`;
  res.writeHead(status, { ...PAGE_HEADERS, "Content-Type": "text/html; charset=utf-8", "Content-Length": Buffer.byteLength(html), ...headers });
  res.end(req.method === "HEAD" ? undefined : html);
}

/** Answers `303 See Other` to `location` (after a form post: the browser then GETs it). */
export function seeOther(res: ServerResponse, location: string): void {
  const body = `See ${location}\n`;
  res.writeHead(303, { ...PAGE_HEADERS, Location: location, "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}
