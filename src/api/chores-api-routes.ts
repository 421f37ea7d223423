import { APPROVAL_SIGNAL, SIGNAL_NAME } from "../sdk/protocol.js";

/** A request of the API for automation, read from its method-less path and query. */
export type ChoresApiRoute =
  | { route: "chores"; owner: string; repo: string }
  | { route: "start"; owner: string; repo: string; chore: string }
  | { route: "run"; runId: string }
  | { route: "run-events"; runId: string }
  | { route: "runs"; query: URLSearchParams }
  | { route: "decide"; runId: string; decision: RouteDecision }
  /** Asks a running iteration to pause after its current batch (not a decision on a parked run). */
  | { route: "pause"; runId: string }
  | { route: "bad"; error: string };

/** What a decision route asks of a parked run; a signal's payload is the request's body. */
export type RouteDecision = { kind: "approve" } | { kind: "reject" } | { kind: "resume" } | { kind: "rollback" } | { kind: "signal"; signal: string };

const DECISIONS = new Set(["approve", "reject", "resume", "rollback"]);

const CHORES = "/api/chores/";
const RUNS = "/api/runs";
/** GitHub's owner and repository names: letters, digits, `.`, `_`, `-`. */
const REPO_PART = /^[A-Za-z0-9._-]{1,100}$/;
/** A chore's name is its path under the chores folder: segments of these, no `.` or `..`. */
const CHORE_PART = /^[A-Za-z0-9._ -]{1,200}$/;
/** Run ids are BullMQ custom ids from run-id.ts: no `:` and no `/`. */
export const RUN_ID = /^[A-Za-z0-9._-]{1,200}$/;

/**
 * The route of `url` under `/api/chores/` or `/api/runs`, or null for anything else:
 * - `/api/chores/<owner>/<repo>`: the repository's chores;
 * - `/api/chores/<owner>/<repo>/<chore…>/runs`: a chore's runs (its name may hold `/`);
 * - `/api/runs/<run>`, `/api/runs/<run>/events`, `/api/runs?…`;
 * - `/api/runs/<run>/approve|reject|resume|rollback`, `/api/runs/<run>/signals/<name>`
 *   (`signals/approval` is `approve`);
 * - `/api/runs/<run>/pause`: a running iteration's pause.
 * Each segment is percent-decoded on its own, so an encoded `/` cannot add a segment; a
 * segment that does not decode, is `.` or `..`, or holds what no name holds is `bad`.
 */
export function choresApiRoute(url: string): ChoresApiRoute | null {
  const mark = url.indexOf("?");
  const path = (mark < 0 ? url : url.slice(0, mark)).replace(/\/+$/, "");
  const query = new URLSearchParams(mark < 0 ? "" : url.slice(mark + 1));
  if (path === RUNS) return { route: "runs", query };
  if (path.startsWith(`${RUNS}/`)) {
    const parts = segments(path.slice(RUNS.length + 1));
    if (parts === null || !RUN_ID.test(parts[0] ?? "") || isDots(parts[0]!)) return { route: "bad", error: "not a run id" };
    if (parts.length === 1) return { route: "run", runId: parts[0]! };
    if (parts.length === 2 && parts[1] === "events") return { route: "run-events", runId: parts[0]! };
    if (parts.length === 2 && parts[1] === "pause") return { route: "pause", runId: parts[0]! };
    if (parts.length === 2 && DECISIONS.has(parts[1]!)) return { route: "decide", runId: parts[0]!, decision: { kind: parts[1] as "approve" } };
    if (parts.length === 3 && parts[1] === "signals") {
      if (!SIGNAL_NAME.test(parts[2]!)) return { route: "bad", error: "not a signal name" };
      const decision: RouteDecision = parts[2] === APPROVAL_SIGNAL ? { kind: "approve" } : { kind: "signal", signal: parts[2]! };
      return { route: "decide", runId: parts[0]!, decision };
    }
    return null;
  }
  if (!path.startsWith(CHORES)) return null;
  const parts = segments(path.slice(CHORES.length));
  if (parts === null || parts.length < 2) return { route: "bad", error: "expected /api/chores/<owner>/<repo>[/<chore>/runs]" };
  const [owner, repo, ...rest] = parts as [string, string, ...string[]];
  if (!REPO_PART.test(owner) || !REPO_PART.test(repo) || isDots(owner) || isDots(repo)) {
    return { route: "bad", error: "not a repository: expected <owner>/<repo>" };
  }
  if (rest.length === 0) return { route: "chores", owner, repo };
  if (rest.length < 2 || rest.at(-1) !== "runs") return { route: "bad", error: "expected /api/chores/<owner>/<repo>/<chore>/runs" };
  const chore = rest.slice(0, -1);
  if (!chore.every((part) => CHORE_PART.test(part) && !isDots(part))) return { route: "bad", error: "not a chore name" };
  return { route: "start", owner, repo, chore: chore.join("/") };
}

function isDots(part: string): boolean {
  return part === "." || part === "..";
}

/** The path's segments, each decoded; null when one is empty or does not decode, or decodes to a `/` or `\`. */
function segments(path: string): string[] | null {
  const parts: string[] = [];
  for (const raw of path.split("/")) {
    let part: string;
    try {
      part = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (part === "" || /[/\\]/.test(part)) return null;
    parts.push(part);
  }
  return parts;
}
