import type { IncomingMessage, ServerResponse } from "node:http";
import type { CatalogReader, RepoCatalog } from "../catalog-types.js";
import type { Permission } from "../github/permission.js";
import type { ChoreRunRequest } from "../pipeline/enqueue-chore-run.js";
import type { DecideDeps } from "../pipeline/decide-run.js";
import type { PauseDeps } from "../pipeline/pause-run.js";
import type { NameClaim } from "../stores/run-names.js";
import type { ChoreRunView } from "./chore-run-view.js";
import type { LiveRunView } from "./live/live-run-view.js";
import type { ChoresSchedules } from "./schedule-pages-deps.js";
import type { StreamTiming } from "./live/send-event-stream.js";

export type { ChoreRunRequest };

/** The signed-in GitHub user. */
export interface ChoresUser {
  login: string;
  id: number;
}

/** What the chores pages need of the sign-in (sessions, CSRF tokens). */
export interface ChoresSignIn {
  /** The session's user, or null when nobody is signed in (or the session expired). */
  user(req: IncomingMessage): ChoresUser | null;
  /** Answers with a redirect to `/login`, which brings the user back to this page once signed in. */
  redirectToLogin(req: IncomingMessage, res: ServerResponse): void;
  /** The session's CSRF token, for the forms' hidden `csrf` field. */
  csrfToken(req: IncomingMessage): string;
  /** Whether `token` is the session's CSRF token. */
  verifyCsrf(req: IncomingMessage, token: string | undefined): boolean;
}

/** A repository as the permission check needs it. */
export interface ChoresRepository {
  owner: string;
  repo: string;
  installationId: number;
}

/** Unique run names (RunNames): a form's optional name is claimed for its run before the run is queued. */
export interface ChoresRunNames {
  /** Takes `name` in the repository for `runId`, or says which run has it (case-insensitive). */
  claim(repo: { owner: string; repo: string }, name: string, runId: string): Promise<NameClaim>;
  /** Frees `name` if `runId` holds it: its run could not be queued after all. */
  release(repo: { owner: string; repo: string }, name: string, runId: string): Promise<void>;
  /** How long a name stays taken after its run ends (RUN_NAME_TTL), as the form says. */
  ttlMs: number;
}

/** What the chores pages work with: the catalog, the sign-in, GitHub's permissions and the runs. */
export interface ChoresPagesDeps {
  catalog: CatalogReader;
  signIn: ChoresSignIn;
  /** `login`'s role on the repository, as GitHub says it (cached a few minutes at most). */
  permission(repo: ChoresRepository, login: string): Promise<Permission>;
  /** The role a repository's chores need to run (its setting, never below the server's floor). */
  requiredPermission(catalog: RepoCatalog): Permission;
  /** Run names; absent, the form has no "Run name" field (the local preview). */
  names?: ChoresRunNames;
  /** Queues a run; the same `requestKey` again answers the run it started the first time. */
  startRun(request: ChoreRunRequest): Promise<{ runId: string }>;
  /** A run, or null when none has this id (the live streams poll it about once a second while someone watches). */
  run(runId: string): Promise<LiveRunView | null>;
  /** A chore's latest runs, newest first. */
  history(owner: string, repo: string, name: string, limit: number): Promise<ChoreRunView[]>;
  /** Scheduled chores' next occurrences, state and Pause/Resume; absent, a chore page shows its schedule's rule only (the local preview). */
  schedules?: ChoresSchedules;
  /**
   * What decideRun and pauseRun need (the parked runs and the execute queue): a parked run's
   * buttons decide through it, a running iteration's Pause asks through it; absent, they are not
   * shown (the local preview).
   */
  decisions?: DecideDeps & PauseDeps;
  /** Asks a run to stop, on behalf of `by` (a GitHub login). */
  cancel(runId: string, by: string): Promise<void>;
  /** The largest file a file input takes, in bytes (CHORE_FILE_LIMIT). */
  fileLimit: number;
  /** How the live streams poll, and how many may be open per user and in all (defaults: LIVE_DEFAULTS). */
  live?: Partial<LiveSettings>;
  /** Told about an error a page answered 500 or 503 for. */
  log?: { error(details: { err: unknown }, message: string): void };
}

/** How the live streams run. */
export interface LiveSettings {
  timing: StreamTiming;
  /** How many polls a final run's stream waits for its log's commit. */
  logWaitPolls: number;
  /** Open streams per user (a few tabs), and in all. */
  perUser: number;
  total: number;
}
