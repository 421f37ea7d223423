import type { IncomingMessage } from "node:http";

/** Enough for the sign-in routes' forms (a CSRF token); chorebot's server caps every body anyway. */
const FORM_LIMIT = 8 * 1024;

/**
 * A small `application/x-www-form-urlencoded` body, or null when the body is of another type
 * or over the limit (the rest is read and dropped, so an answer can still be sent).
 */
export function readForm(req: IncomingMessage, maxBytes = FORM_LIMIT): Promise<URLSearchParams | null> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    req.once("end", () => {
      if (type !== "application/x-www-form-urlencoded" || size > maxBytes) resolve(null);
      else resolve(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
    });
    req.once("error", reject);
  });
}
