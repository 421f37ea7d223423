import type { IncomingMessage, ServerResponse } from "node:http";
import type { DecisionRequest } from "../pipeline/decide-run.js";
import type { DecisionVia } from "../run-types.js";
import { MAX_SIGNAL_PAYLOAD_BYTES } from "../sdk/protocol.js";
import type { RouteDecision } from "./chores-api-routes.js";
import { decideAsDashboard, decideAsUser, takenDecision, type DecideAsAnswer, type RunDeciders } from "./decide-as.js";
import { json } from "./json-answer.js";
import { BodyError, readJsonValue } from "./read-json-body.js";

/** A signal's body: its payload, with room for the whitespace of a pretty-printed one. */
export const SIGNAL_BODY_LIMIT = MAX_SIGNAL_PAYLOAD_BYTES + 1024;

/** The header the CLI names itself with, so that its decisions are recorded as the CLI's. */
export const VIA_HEADER = "x-chorebot-via";

/**
 * `POST /api/runs/<run>/<decision>` as `login` (a GitHub user token): the payload of a signal
 * is the JSON body (none is null), read up to SIGNAL_BODY_LIMIT; other decisions take no body.
 * 202 `{ run, decision, message, moves }` when taken, else the refusal's status with `{ error, refusal }`.
 */
export async function serveUserDecision(
  deps: RunDeciders,
  req: IncomingMessage,
  res: ServerResponse,
  route: { runId: string; decision: RouteDecision },
  login: string,
): Promise<void> {
  const request = await requestOf(req, res, route.decision);
  if (request === null) return;
  const answer = await decideAsUser(deps, route.runId, request, { login, via: viaOf(req) });
  answerDecision(res, route.runId, answer, login);
}

/** `POST /api/runs/<run>/resume|rollback` with the dashboard's login (by "dashboard"); any other decision needs a person's token (pause: servePause). */
export async function serveDashboardDecision(
  deps: RunDeciders,
  req: IncomingMessage,
  res: ServerResponse,
  runId: string,
  decision: RouteDecision,
): Promise<void> {
  if (decision.kind !== "resume" && decision.kind !== "rollback") {
    json(res, 403, {
      error: `the dashboard's login may Resume an interrupted or paused run, Roll back an interrupted one or Pause a running iteration, not ${decision.kind === "signal" ? "signal" : decision.kind} one: send your own GitHub user token (Authorization: Bearer …), whose user has the chore's permission`,
    });
    return;
  }
  answerDecision(res, runId, await decideAsDashboard(deps, runId, { kind: decision.kind }, viaOf(req)), "dashboard");
}

function answerDecision(res: ServerResponse, runId: string, answer: DecideAsAnswer, by: string): void {
  if (answer.ok) {
    json(res, 202, { run: runId, decision: takenDecision(answer, by), message: answer.message, moves: answer.moves });
    return;
  }
  const extra = answer.refusal === "forbidden" ? { permission: answer.permission, required: answer.required } : {};
  json(res, answer.status, { run: runId, error: answer.message, refusal: answer.refusal, ...extra });
}

/** The decision asked for, its payload read for a signal; null once a body it refuses was answered (413, 400, 415). */
async function requestOf(req: IncomingMessage, res: ServerResponse, decision: RouteDecision): Promise<DecisionRequest | null> {
  if (decision.kind !== "signal") return decision;
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > SIGNAL_BODY_LIMIT) {
    // Said so before a byte of it is read.
    json(res, 413, tooLarge(), { Connection: "close" });
    return null;
  }
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "" && type !== "application/json") {
    json(res, 415, { error: 'send the payload as JSON (Content-Type: application/json), e.g. {"approved": true}' });
    return null;
  }
  try {
    const payload = await readJsonValue(req, SIGNAL_BODY_LIMIT);
    return { kind: "signal", signal: decision.signal, payload: payload ?? null };
  } catch (error) {
    if (!(error instanceof BodyError)) throw error;
    if (error.status === 413) json(res, 413, tooLarge(), { Connection: "close" });
    else json(res, 400, { error: `${error.message}: a signal's payload is the request's JSON body` });
    return null;
  }
}

function tooLarge(): { error: string; refusal: "payload_too_large" } {
  return { error: `a signal's payload may be at most ${MAX_SIGNAL_PAYLOAD_BYTES} bytes as JSON; nothing was delivered`, refusal: "payload_too_large" };
}

function viaOf(req: IncomingMessage): DecisionVia {
  return req.headers[VIA_HEADER] === "cli" ? "cli" : "api";
}
