/** Where the chores pages live. */
export const CHORES_PATH = "/chores";
/** The live pages' script, served by the chores handler itself (to anyone: it holds nothing private). */
export const LIVE_SCRIPT_PATH = "/chores/live/client.js";
/** A chore page's history stream: `?run=<id>` for each run it follows. */
export const HISTORY_EVENTS_PATH = "/chores/events";
/** Where the sign-in's logout form posts. */
export const LOGOUT_PATH = "/logout";

/** A request under /chores, as the handler routes it. */
export type ChoresRoute =
  | { page: "catalog" }
  | { page: "script" }
  | { page: "history-events" }
  | { page: "chore"; owner: string; repo: string; name: string }
  | { page: "schedule"; owner: string; repo: string; name: string }
  | { page: "run"; runId: string }
  | { page: "cancel"; runId: string }
  | { page: "decide"; runId: string }
  | { page: "pause"; runId: string }
  | { page: "run-events"; runId: string }
  | { page: "not-found" };

// GitHub's rules for owner and repository names; a run id is a BullMQ custom id (run-id.ts): no `:`, no `/`.
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;
const RUN_ID = /^[A-Za-z0-9._-]{1,200}$/;

/**
 * The route of a request's URL, or null when it is not under /chores. Paths, decoded segment
 * by segment:
 * - `/chores`: the catalog; `/chores/live/client.js`: the live pages' script;
 *   `/chores/events`: a chore page's history stream (which runs: in the query);
 * - `/chores/runs/<runId>`: a run's page; `/chores/runs/<runId>/cancel`: its Cancel button;
 *   `/chores/runs/<runId>/decide`: its Approve, Reject, Continue, Resume and Roll back buttons;
 *   `/chores/runs/<runId>/pause`: a running iteration's Pause button;
 *   `/chores/runs/<runId>/events`: its live stream (so chores named `cancel` or `events` of
 *   an owner named `runs` have no page: GitHub user `runs`, beware);
 * - `/chores/schedules/<owner>/<repo>/<name>`: a scheduled chore's Pause/Resume switch (the
 *   same caveat for an owner named `schedules`);
 * - `/chores/<owner>/<repo>/<name>`: a chore's page, `name` its catalog name (it may hold `/`).
 */
export function choresRoute(url: string): ChoresRoute | null {
  const mark = url.search(/[?#]/);
  const path = mark < 0 ? url : url.slice(0, mark);
  if (path !== CHORES_PATH && !path.startsWith(`${CHORES_PATH}/`)) return null;
  const rest = path.slice(CHORES_PATH.length).replace(/^\/|\/$/g, "");
  if (rest === "") return { page: "catalog" };
  const segments = rest.split("/").map(decodeSegment);
  if (segments.some((segment) => segment === null)) return { page: "not-found" };
  const parts = segments as string[];
  if (parts.length === 2 && parts[0] === "live" && parts[1] === "client.js") return { page: "script" };
  if (parts.length === 1 && parts[0] === "events") return { page: "history-events" };
  const [first, second, third, ...more] = parts;
  if (first === "runs" && second !== undefined && RUN_ID.test(second)) {
    if (third === undefined) return { page: "run", runId: second };
    if (third === "cancel" && more.length === 0) return { page: "cancel", runId: second };
    if (third === "decide" && more.length === 0) return { page: "decide", runId: second };
    if (third === "pause" && more.length === 0) return { page: "pause", runId: second };
    if (third === "events" && more.length === 0) return { page: "run-events", runId: second };
  }
  if (
    first === "schedules" &&
    second !== undefined &&
    third !== undefined &&
    more.length > 0 &&
    OWNER.test(second) &&
    REPO.test(third) &&
    third !== "." &&
    third !== ".."
  ) {
    return { page: "schedule", owner: second, repo: third, name: more.join("/") };
  }
  if (first !== undefined && second !== undefined && third !== undefined && OWNER.test(first) && REPO.test(second) && second !== "." && second !== "..") {
    return { page: "chore", owner: first, repo: second, name: [third, ...more].join("/") };
  }
  return { page: "not-found" };
}

/** A chore page's path. */
export function choreUrl(owner: string, repo: string, name: string): string {
  return `${CHORES_PATH}/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/${name.split("/").map(encodeURIComponent).join("/")}`;
}

/** A scheduled chore's Pause/Resume switch's target. */
export function scheduleUrl(owner: string, repo: string, name: string): string {
  return `${CHORES_PATH}/schedules${choreUrl(owner, repo, name).slice(CHORES_PATH.length)}`;
}

/** A run page's path. */
export function runUrl(runId: string): string {
  return `${CHORES_PATH}/runs/${encodeURIComponent(runId)}`;
}

/** A run's Cancel button's target. */
export function cancelUrl(runId: string): string {
  return `${runUrl(runId)}/cancel`;
}

/** Where a parked run's decision buttons post. */
export function decideUrl(runId: string): string {
  return `${runUrl(runId)}/decide`;
}

/** Where a running iteration's Pause button posts. */
export function pauseUrl(runId: string): string {
  return `${runUrl(runId)}/pause`;
}

/** A run's live stream, from `cursor` (the id of what its page shows). */
export function runEventsUrl(runId: string, cursor: string): string {
  return `${runUrl(runId)}/events?after=${encodeURIComponent(cursor)}`;
}

/** The history stream of a chore page's unfinished runs. */
export function historyEventsUrl(runIds: readonly string[]): string {
  return `${HISTORY_EVENTS_PATH}?${new URLSearchParams(runIds.map((id) => ["run", id])).toString()}`;
}

/** A path segment decoded; null for one that is empty, `.`/`..`, holds a `/` once decoded, or does not decode. */
function decodeSegment(segment: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return null;
  }
  if (decoded === "" || decoded === "." || decoded === ".." || decoded.includes("/")) return null;
  return decoded;
}
