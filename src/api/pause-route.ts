import type { IncomingMessage, ServerResponse } from "node:http";
import { pauseAsDashboard, pauseAsUser, type PauseAsAnswer, type RunDeciders } from "./decide-as.js";
import { VIA_HEADER } from "./decide-route.js";
import { json } from "./json-answer.js";

/** A pause takes no body; a client may send an empty JSON one (the CLI sends `null`), nothing bigger. */
export const PAUSE_BODY_LIMIT = 1024;

/**
 * `POST /api/runs/<run>/pause` as `who` (a GitHub user's login, or the dashboard's login):
 * 202 `{ run, decision, message }` when the pause was asked for (the run stops after its
 * current batch), else the refusal's status (404, 403, 409) with `{ run, error, refusal }`.
 * A body declared bigger than PAUSE_BODY_LIMIT is refused (413) before anything is read or asked.
 */
export async function servePause(
  deps: RunDeciders,
  req: IncomingMessage,
  res: ServerResponse,
  runId: string,
  who: { login: string } | "dashboard",
): Promise<void> {
  if (Number(req.headers["content-length"] ?? 0) > PAUSE_BODY_LIMIT) {
    json(res, 413, { run: runId, error: "a pause takes no body; nothing was asked", refusal: "body_too_large" }, { Connection: "close" });
    return;
  }
  const via = req.headers[VIA_HEADER] === "cli" ? "cli" : "api";
  const answer: PauseAsAnswer = who === "dashboard" ? await pauseAsDashboard(deps, runId, via) : await pauseAsUser(deps, runId, { login: who.login, via });
  if (answer.ok) {
    json(res, 202, { run: runId, decision: answer.request, message: answer.message });
    return;
  }
  const extra = answer.refusal === "forbidden" ? { permission: answer.permission, required: answer.required } : {};
  json(res, answer.status, { run: runId, error: answer.message, refusal: answer.refusal, ...extra });
}
