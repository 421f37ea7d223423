import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyError, readJsonBody } from "./read-json-body.js";

/** Answers `body` as JSON, never cached. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", ...headers });
  res.end(`${JSON.stringify(body)}\n`);
}

/**
 * The request's body as a JSON object (readJsonBody), or null once a body it refuses has been
 * answered: 400, or 413 closing the connection.
 */
export async function readJsonBodyOrAnswer(req: IncomingMessage, res: ServerResponse): Promise<Record<string, unknown> | null> {
  try {
    return await readJsonBody(req);
  } catch (error) {
    if (!(error instanceof BodyError)) throw error;
    json(res, error.status, { error: error.message }, error.status === 413 ? { Connection: "close" } : {});
    return null;
  }
}
