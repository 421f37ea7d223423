import type { Schema } from "./openapi.js";
import type { PullRequestRecord, ReviewState } from "./pull-requests.js";

export interface StandInOptions {
  /** Default "acme". */
  owner?: string;
  /** Default "widgets". */
  repo?: string;
  /** Default "main". */
  defaultBranch?: string;
  /** Default 4242. */
  installationId?: number;
  /** The repository's "Allow auto-merge" setting (`allow_auto_merge`). Default false. */
  allowAutoMerge?: boolean;
  /** Every API answer (REST and GraphQL) waits this long before it is sent (see setLatency). Default 0. */
  latencyMs?: number;
}

/** A repository role: the five base roles plus "none" (no access). */
export type RepositoryRole = "admin" | "maintain" | "write" | "triage" | "read" | "none";

/** How a pull request lands on its base, as GitHub's three merge buttons do it. */
export type MergeMethod = "merge" | "squash" | "rebase";

/**
 * What `commitFiles` / `mergePullRequest` put at a path:
 * - `string`: a regular file (mode 100644) holding the UTF-8 text;
 * - `Buffer`: a regular file holding exactly those bytes (binary, invalid UTF-8…);
 * - `{ symlink: target }`: a symbolic link (mode 120000) whose blob is `target`;
 * - `{ submodule: sha }`: a gitlink (mode 160000) to commit `sha` of another repository (it need not exist here);
 * - `null`: deletes the path (a missing path is an error, as on GitHub).
 */
export type FileContent = string | Buffer | { symlink: string } | { submodule: string } | null;

export interface CommitFilesOptions {
  /** Default: the default branch. Created from the default branch if missing. */
  branch?: string;
  /** path → content (see FileContent); `null` deletes the path. */
  files: Record<string, FileContent>;
  message?: string;
  /** GitHub login of the author (default "octocat"). */
  author?: string;
}

export interface MergePullRequestOptions {
  /** path → content (see FileContent); `null` deletes the path. One commit (skipped when empty and `commits` is given). */
  files: Record<string, FileContent>;
  /** Further commits on the head branch, one per element, in order, after `files`' commit. */
  commits?: Record<string, FileContent>[];
  title?: string;
  /** Login of the PR author (default "octocat"); also the one who merges. */
  author?: string;
  /** Logins that approve the head commit (used when `reviews` is not given). */
  approvals?: string[];
  reviews?: { user: string; state: ReviewState; commitId?: string }[];
  /**
   * "merge" (default): a real two-parent merge commit; "squash": one commit on the base;
   * "rebase": each PR commit replayed onto the base (new commits, committed by the merger).
   */
  merge?: MergeMethod;
  /**
   * merge "merge" only: changes the merge commit itself makes on top of the real merge result, so
   * they are in neither parent nor in the PR's files (`git merge --no-commit`, edit, commit, push).
   */
  mergeCommitFiles?: Record<string, FileContent>;
  /** Head branch name (default "pr-<number>"). */
  head?: string;
}

export interface MergedPullRequest {
  number: number;
  /** Default branch tip before the merge. */
  before: string;
  /** Default branch tip after the merge (the merge or squash commit, or the last rebased commit). */
  after: string;
  /** The PR's head commit. */
  headSha: string;
}

export interface OpenPullRequestOptions {
  /** Committed on the head branch (created from the default branch tip when missing). */
  files: Record<string, FileContent>;
  title?: string;
  /** Login of the PR author (default "octocat"); also the one who merges it later. */
  author?: string;
  /** Head branch name (default "pr-<number>"). */
  head?: string;
  /** Logins that approve the head commit. */
  approvals?: string[];
}

export interface OpenedPullRequest {
  number: number;
  headSha: string;
  /** The default branch tip the head branch was cut from. */
  baseSha: string;
  /** Head branch name. */
  head: string;
}

export interface MergeOpenPullRequestOptions {
  /** As for mergePullRequest: "merge" (default), "squash" or "rebase". */
  merge?: MergeMethod;
  /** As for mergePullRequest: extra changes in the merge commit itself (merge "merge" only). */
  mergeCommitFiles?: Record<string, FileContent>;
}

export interface PullRequestPayloadRequest {
  number: number;
  action: "opened" | "synchronize" | "reopened";
  /** Login of the sender (default: the PR author). */
  sender?: string;
}

export interface CheckRunPayloadRequest {
  checkRunId: number;
  action: "rerequested" | "created" | "completed";
  /** Login of the sender (default: the repository owner for rerequested, else the app's bot). */
  sender?: string;
}

export interface CheckRunAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: "notice" | "warning" | "failure";
  message: string;
  title?: string;
  start_column?: number;
  end_column?: number;
  raw_details?: string;
}

/** A check run as stored (what POST/PATCH check-runs built up). */
export interface CheckRunRecord {
  id: number;
  name: string;
  headSha: string;
  status: Schema<"check-run">["status"];
  conclusion: Schema<"check-run">["conclusion"];
  startedAt: string | null;
  completedAt: string | null;
  detailsUrl: string | null;
  externalId: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  /** Every annotation ever sent, in order (PATCHes append). */
  annotations: CheckRunAnnotation[];
  /** The app (JWT `iss`) whose token created it. */
  appId: number | string | null;
}

export interface IssueCommentSummary {
  id: number;
  body: string;
  /** Login of the author ("chorebot[bot]" for comments made with an installation token). */
  user: string;
}

export interface IssueCommentPayloadRequest {
  commentId: number;
  action: "created" | "edited" | "deleted";
  /** Login of the sender (default: the comment's author). */
  sender?: string;
  /** For `edited`: the body before the edit (`changes.body.from`). */
  previousBody?: string;
}

/** A reaction on an issue comment: who, and which. */
export interface ReactionSummary {
  user: string;
  content: string;
}

export interface PushPayloadRequest {
  before: string;
  after: string;
  /** Default "refs/heads/<default branch>". */
  ref?: string;
  /** Default: `after` is the zero sha. */
  deleted?: boolean;
  /** Default: `before` is not an ancestor of `after`. */
  forced?: boolean;
  /** Login of the pusher/sender (default: the author of `after`, else the owner). */
  sender?: string;
}

export interface FailNextOptions {
  method: string;
  /** Matched against the path without /api/v3 and without the query. */
  path: RegExp;
  status: number;
  /** Default 1. */
  times?: number;
  /** Default: a GitHub-shaped error body. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface BeforeNextOptions {
  method: string;
  /** Matched against the path without /api/v3 and without the query (as for failNext). */
  path: RegExp;
  /** Default 1. */
  times?: number;
}

export interface RecordedRequest {
  method: string;
  /** Path without the /api/v3 prefix and without the query string ("/api/graphql" for GraphQL). */
  path: string;
  status: number;
  /** Arrival time, ms since the epoch (Date.now()): with `ms`, which requests overlapped and which ran one after another. */
  at: number;
  /** From arrival to the answer, waiting for the repository mutex and the set latency included. */
  ms: number;
}

export interface GitHubStandIn {
  /** "127.0.0.1:PORT" (for GHE_HOST) */
  host: string;
  /** "http://127.0.0.1:PORT/api/v3" */
  baseUrl: string;
  owner: string;
  repo: string;
  defaultBranch: string;
  installationId: number;
  /** The bare repository. */
  repoDir: string;
  /** Direct commit on a branch (creates the branch from the default branch if missing). null content deletes. Returns the new sha. */
  commitFiles(o: CommitFilesOptions): Promise<string>;
  /**
   * Simulates a PR: commits `files` (then each of `commits`) on branch `head` (from the current default-branch
   * tip), records the PR and its reviews, then merges into the default branch with a real merge commit, a squash
   * commit or rebased commits.
   */
  mergePullRequest(o: MergePullRequestOptions): Promise<MergedPullRequest>;
  head(branch?: string): Promise<string>;
  /** A blob's content as UTF-8 text (a symlink's is its target); undefined for a missing path, a directory or a submodule. */
  readFile(ref: string, path: string): Promise<string | undefined>;
  /** Recursive, paths relative to the repo root, filtered to those under `dir`: files, symlinks and submodules. */
  listFiles(ref: string, dir?: string): Promise<string[]>;
  /** Newest first, first-parent. */
  commits(branch?: string): Promise<{ sha: string; message: string; parents: string[] }[]>;
  /** A realistic `push` payload built from the published example and the git repository. */
  pushPayload(o: PushPayloadRequest): Record<string, unknown>;
  /** Commits `files` on a new head branch and records an OPEN PR into the default branch (approvals review the head). */
  openPullRequest(o: OpenPullRequestOptions): Promise<OpenedPullRequest>;
  /** A new head commit on PR `number`'s branch (as its author); existing reviews stay on the old commit. Returns the new head. */
  pushToPullRequest(number: number, files: Record<string, FileContent>): Promise<string>;
  /** Merges an open PR the way mergePullRequest does (the "human merge": branch protection does not apply). */
  mergeOpenPullRequest(number: number, o?: MergeOpenPullRequestOptions): Promise<{ before: string; after: string }>;
  /** A snapshot of the stored PR record; throws for an unknown number. */
  pullRequest(number: number): PullRequestRecord;
  /** A `pull_request` webhook payload from the published examples, with this PR and repository. */
  pullRequestPayload(o: PullRequestPayloadRequest): Record<string, unknown>;
  /** A `check_run` webhook payload from the published examples, with this check run and repository. */
  checkRunPayload(o: CheckRunPayloadRequest): Record<string, unknown>;
  /** Every stored check run (only those on `sha` when given), oldest first, with full annotation lists. */
  checkRuns(sha?: string): CheckRunRecord[];
  /** The conversation comments on issue/PR `number`, oldest first. */
  comments(number: number): IssueCommentSummary[];
  /**
   * `login` comments `body` on pull request `number`'s conversation (a person, or an app when the
   * login ends in "[bot]"): the comment's id and the `issue_comment.created` payload GitHub sends.
   */
  commentAs(login: string, number: number, body: string): { id: number; payload: Record<string, unknown> };
  /** `login` edits comment `id` to `body`: the `issue_comment.edited` payload (with `changes.body.from`). */
  editCommentAs(login: string, id: number, body: string): Record<string, unknown>;
  /** `login` reacts to issue comment `id` (as the web UI does for a person); false when they had that reaction already. */
  reactAs(login: string, id: number, content: string): boolean;
  /** The reactions on issue comment `id`, oldest first. */
  reactions(id: number): ReactionSummary[];
  /** API writes that move `branch` (default: the default branch) answer 422 until unprotectBranch. */
  protectBranch(branch?: string): void;
  unprotectBranch(branch?: string): void;
  /**
   * The role `login` has on the repository, as GET collaborators/{username}/permission reports it.
   * Test convenience: a login never set answers "write" (so any login can approve), the repository
   * owner "admin". Apps (logins ending in "[bot]") cannot be collaborators: setting one throws.
   */
  setPermission(login: string, role: RepositoryRole): void;
  /** The next `times` GET commits/{sha}/pulls answer `[]` (200), as GitHub does for a short while after a merge. */
  lagPullAssociations(times: number): void;
  /**
   * GET git/trees/{sha}?recursive lists at most `limit` entries, then says `truncated: true`
   * (null: only GitHub's own limits, 100,000 entries or 7 MB). Non-recursive listings are never cut.
   */
  setTreeEntryLimit(limit: number | null): void;
  /** Every API answer (REST and GraphQL; not webhooks the stand-in sends) waits `ms` before it is sent, without holding the repository mutex. */
  setLatency(ms: number): void;
  /** The App's OAuth client (Settings → General: Client ID, a client secret), generated for each stand-in. */
  oauthApp: { clientId: string; clientSecret: string };
  /** The App's registered callback URLs (where GET /login/oauth/authorize sends the browser back; the first when no redirect_uri is named). */
  setCallbackUrls(urls: string[]): void;
  /**
   * A browser signed in to GitHub as `login` who has authorised the App before (or, with
   * `decline`, presses Cancel on the authorize page): the `Cookie` header value that browser
   * sends to the stand-in's web pages. Without it, /login/oauth/authorize answers a page
   * asking to sign in to GitHub.
   */
  signInAs(login: string, o?: { decline?: boolean }): string;
  /** A personal access token of `login`, for API clients acting as that user (`Authorization: Bearer …`); `GET /user` answers with `login`. */
  personalToken(login: string): string;
  /** Every request seen, in the order they were answered. */
  requests: RecordedRequest[];
  /** The next `times` requests matching method + path get `status` with `body`. */
  failNext(o: FailNextOptions): void;
  /**
   * The next `times` requests matching method + path first await `hook()`, then are handled (or
   * failed by failNext) normally. The hook runs before the request takes the repository mutex, so
   * it may call commitFiles/mergePullRequest (e.g. to move main under a request). Registrations
   * are consumed first come, first served, like failNext's; a hook that throws answers the request 500.
   */
  beforeNext(o: BeforeNextOptions, hook: () => Promise<void>): void;
  close(): Promise<void>;
}
