import type { IncomingMessage } from "node:http";
import { BODY_LIMIT } from "../http/body-limits.js";

/** Why a request body was not accepted, with the HTTP status to answer. */
export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads a small request body as a JSON object: an empty body is `{}`; anything longer than
 * BODY_LIMIT (413: chorebot's server refuses such a body before any handler runs, this is
 * for a handler served by another), not JSON or not an object (400) is a `BodyError`.
 */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const read = await readJsonValue(req, BODY_LIMIT);
  const value = read === undefined ? {} : read;
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new BodyError(400, "request body is not a JSON object");
  return value as Record<string, unknown>;
}

/**
 * Reads a request body as any JSON value (undefined for an empty body), reading no more than
 * `maxBytes`: past them it is a 413 `BodyError`, not JSON a 400.
 */
export async function readJsonValue(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const text = (await readText(req, maxBytes)).trim();
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BodyError(400, "request body is not JSON");
  }
}

/** The body as text; past `maxBytes` the rest is discarded (not destroyed, so an answer can still be sent). */
function readText(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      req.off("data", onData);
      req.off("end", onEnd);
      req.resume();
      reject(new BodyError(413, `request body over ${maxBytes} bytes`));
    };
    const onEnd = () => resolve(Buffer.concat(chunks).toString("utf8"));
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("error", reject);
  });
}
