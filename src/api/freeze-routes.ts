import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { cleanActorName } from "../stores/cancellations.js";
import { cleanReason, frozenReason, parseRepo, scopeName, TooManyFreezes, type Freeze, type Freezes } from "../stores/freezes.js";
import { json, readJsonBodyOrAnswer } from "./json-answer.js";

export const FREEZES_PATH = "/api/freezes";
const UNFREEZE_PATH = "/api/freezes/unfreeze";

/** What the freeze routes need: the store, the log every freeze and unfreeze is written to, and what starts the runs an unfreeze lets go. */
export interface FreezeRoutes {
  freezes: Pick<Freezes, "freeze" | "unfreeze" | "list" | "history">;
  log: Pick<Logger, "info" | "warn">;
  /** Starts the runs an unfreeze of `repo` let go, in queue order (releaseFrozenRuns); they would otherwise start at their next look. */
  release?: (repo: string | null) => Promise<number>;
}

/** Whether `path` is one of the freeze routes (the caller admits the request first). */
export function isFreezePath(path: string): boolean {
  return path === FREEZES_PATH || path.startsWith(`${FREEZES_PATH}/`);
}

/**
 * The freeze routes, behind the runs API's login and cross-site check (createRunsApiHandler):
 * - `GET /api/freezes`: `{ freezes, history }`, the freezes in force and the last ones set and lifted;
 * - `POST /api/freezes` `{ repo?, reason, by? }`: freezes `repo` (`owner/name`; absent or null:
 *   every repository). 201 `{ freeze, replaced: null, message }`, or 200 when it replaced the
 *   freeze in force there (`replaced`: that one);
 * - `POST /api/freezes/unfreeze` `{ repo?, reason?, by? }`: lifts that freeze (without `repo`
 *   only the one of every repository). 200 `{ unfrozen, started, frozen, message }`, `frozen`
 *   being the freezes still in force; 404 `{ error, frozen }` when that scope was not frozen.
 * `by` (cleaned up) names who acts, else the logged-in user; the log line has both. A body
 * with any other field, a `repo` that is not `owner/name`, or a missing, empty or overlong
 * `reason` is a 400: a typo must not freeze or unfreeze another scope than meant.
 */
export async function handleFreezeRoute(req: IncomingMessage, res: ServerResponse, path: string, user: string, o: FreezeRoutes): Promise<void> {
  const route = path.replace(/\/+$/, "") || "/";
  const unfreeze = route === UNFREEZE_PATH;
  if (route !== FREEZES_PATH && !unfreeze) return json(res, 404, { error: "not found" });
  if (!unfreeze && req.method === "GET") {
    try {
      const [freezes, history] = await Promise.all([o.freezes.list(), o.freezes.history()]);
      return json(res, 200, { freezes, history });
    } catch {
      return json(res, 503, { error: "could not read the freezes; is Redis reachable?" });
    }
  }
  if (req.method !== "POST") return json(res, 405, { error: unfreeze ? "use POST" : "use GET or POST" }, { Allow: unfreeze ? "POST" : "GET, POST" });

  const body = await readJsonBodyOrAnswer(req, res);
  if (body === null) return;
  const request = parseRequest(body, { reasonRequired: !unfreeze });
  if ("error" in request) return json(res, 400, { error: request.error });
  const by = cleanActorName(request.by ?? "") || cleanActorName(user) || "unknown";
  const { repo, reason } = request;

  try {
    if (!unfreeze) {
      const { freeze, replaced } = await o.freezes.freeze({ repo, by, reason });
      o.log.info({ repo: scopeName(repo), by, login: user, reason, replaced }, `frozen: ${scopeName(repo)} by ${by}: ${reason}`);
      const message = `${scopeName(repo)}: no new run starts (${frozenReason(freeze)}); running scripts go on`;
      return json(res, replaced ? 200 : 201, { freeze, replaced, message });
    }
    const unfrozen = await o.freezes.unfreeze({ repo, by, reason });
    const frozen = await o.freezes.list();
    if (unfrozen === null) {
      o.log.warn({ repo: scopeName(repo), by, login: user }, `unfreeze of ${scopeName(repo)} by ${by}: it was not frozen`);
      return json(res, 404, { error: notFrozen(repo, frozen), frozen });
    }
    o.log.info({ repo: scopeName(repo), by, login: user, reason, unfrozen }, `unfrozen: ${scopeName(repo)} by ${by}${reason ? `: ${reason}` : ""}`);
    const started = await startReleased(o, repo);
    const message = `${scopeName(repo)} unfrozen; ${started} waiting run(s) started in the order they were queued${hint(frozen)}`;
    return json(res, 200, { unfrozen, started, frozen, message });
  } catch (error) {
    if (error instanceof TooManyFreezes) return json(res, 409, { error: error.message });
    return json(res, 503, { error: "could not record the freeze; is Redis reachable?" });
  }
}

type FreezeRequest = { repo: string | null; reason: string; by: string | undefined } | { error: string };

const FIELDS = new Set(["repo", "reason", "by"]);

function parseRequest(body: Record<string, unknown>, o: { reasonRequired: boolean }): FreezeRequest {
  const unknown = Object.keys(body).find((field) => !FIELDS.has(field));
  if (unknown !== undefined) return { error: `unknown field "${unknown.slice(0, 40)}": the fields are repo, reason and by` };
  let repo: string | null = null;
  if (body.repo !== undefined && body.repo !== null) {
    if (typeof body.repo !== "string") return { error: "repo must be a string, owner/name" };
    repo = parseRepo(body.repo);
    if (repo === null) return { error: "repo must be a repository's owner/name" };
  }
  if (body.by !== undefined && typeof body.by !== "string") return { error: "by must be a string" };
  if (body.reason === undefined && !o.reasonRequired) return { repo, reason: "", by: body.by };
  if (typeof body.reason !== "string") return { error: "reason is required: a string saying why" };
  const cleaned = cleanReason(body.reason);
  if ("error" in cleaned) return cleaned;
  return { repo, reason: cleaned.reason, by: body.by };
}

async function startReleased(o: FreezeRoutes, repo: string | null): Promise<number> {
  if (!o.release) return 0;
  try {
    return await o.release(repo);
  } catch (err) {
    // They start at their next look anyway.
    o.log.warn({ err, repo: scopeName(repo) }, "could not start the runs an unfreeze let go; they start within seconds");
    return 0;
  }
}

/** An unfreeze of a scope that is not frozen: what is, and how to lift it (the CLI's words; /api takes `repo` alike). */
function notFrozen(repo: string | null, frozen: Freeze[]): string {
  const repos = frozen.flatMap((freeze) => (freeze.repo === null ? [] : [freeze.repo]));
  let how = "";
  if (repo === null && repos.length === 1) how = ` (unfreeze it with --repo ${repos[0]})`;
  else if (repo === null && repos.length > 1) how = " (unfreeze each with --repo <owner/name>)";
  else if (repo !== null && frozen.some((freeze) => freeze.repo === null)) how = " (the freeze of every repository is lifted without --repo)";
  return `${repo === null ? "nothing is frozen for every repository" : `${repo} is not frozen`}${hint(frozen)}${how}`;
}

function hint(frozen: Freeze[]): string {
  return frozen.length === 0 ? "" : `; still frozen: ${frozen.map((freeze) => scopeName(freeze.repo)).join(", ")}`;
}
