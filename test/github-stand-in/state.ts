import type { GitRepo } from "./git-repo.js";
import type { Mutex } from "./mutex.js";
import type { PullRequestStore } from "./pull-requests.js";
import type { TokenStore } from "./auth.js";
import type { CheckRunStore } from "./check-runs.js";
import type { Collaborators } from "./collaborators.js";
import type { IssueCommentStore } from "./issue-comments.js";
import type { ReactionStore } from "./reactions.js";

/** Everything route handlers and the helper API share about the one stand-in repository. */
export interface StandInState {
  owner: string;
  repo: string;
  defaultBranch: string;
  installationId: number;
  /** "http://127.0.0.1:PORT/api/v3" */
  apiUrl: string;
  /** "http://127.0.0.1:PORT" (html_url base, like a GHES host) */
  htmlUrl: string;
  git: GitRepo;
  /** Serializes every git-mutating operation on `git`. */
  mutex: Mutex;
  pulls: PullRequestStore;
  tokens: TokenStore;
  checkRuns: CheckRunStore;
  comments: IssueCommentStore;
  /** Reactions on issue comments. */
  reactions: ReactionStore;
  /** Branch names whose API updates answer 422 (helpers, the "humans", still move them). */
  protectedBranches: Set<string>;
  /** The repository's "Allow auto-merge" setting. */
  allowAutoMerge: boolean;
  /** The app id (JWT `iss`) that last obtained an installation token; apps own the check runs they create. */
  appId: number | string | undefined;
  /** Who has which role on the repository. */
  collaborators: Collaborators;
  /** How many more commits/{sha}/pulls requests answer `[]` (GitHub's association lag after a merge). */
  pullAssociationLag: number;
  /** A cap on recursive tree listings below GitHub's own (null: GitHub's only). */
  treeEntryLimit: number | null;
}

/** "/repos/acme/widgets" under the API root. */
export function repoApiUrl(state: StandInState): string {
  return `${state.apiUrl}/repos/${state.owner}/${state.repo}`;
}

export function repoHtmlUrl(state: StandInState): string {
  return `${state.htmlUrl}/${state.owner}/${state.repo}`;
}

/** GitHub matches owner/repo case-insensitively. */
export function isOurRepo(state: StandInState, owner: string | undefined, repo: string | undefined): boolean {
  return owner?.toLowerCase() === state.owner.toLowerCase() && repo?.toLowerCase() === state.repo.toLowerCase();
}
