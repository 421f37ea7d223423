import { ApiError, invalidRequest, notFound } from "./api-error.js";
import type { GitIdentity } from "./git-repo.js";
import type { RouteContext } from "./router.js";
import { isOurRepo, type StandInState } from "./state.js";
import { BOT_LOGIN, gitIdentityFor } from "./users.js";

/** Every /repos/{owner}/{repo}/… route answers 404 for any repository but ours (as for a private repo). */
export function requireRepo(state: StandInState, ctx: RouteContext): void {
  if (!isOurRepo(state, ctx.params.owner, ctx.params.repo)) throw notFound();
  if (ctx.auth.kind === "installation" && ctx.auth.installationId !== state.installationId) throw notFound();
}

/** The JSON body as an object, or GitHub's 400/422 when it is not one. */
export function bodyObject(ctx: RouteContext): Record<string, unknown> {
  if (ctx.body === undefined) return {};
  if (typeof ctx.body !== "object" || ctx.body === null || Array.isArray(ctx.body)) {
    throw new ApiError(400, "Problems parsing JSON");
  }
  return ctx.body as Record<string, unknown>;
}

/** GitHub's 422 for a required field that is absent. */
export function notSupplied(field: string, docs?: string): ApiError {
  return invalidRequest(`"${field}" wasn't supplied.`, docs);
}

/** GitHub's 422 for a field of the wrong type: `notA("tree", 1, "an array")`. */
export function notA(field: string, value: unknown, expected: string, docs?: string): ApiError {
  return invalidRequest(`For 'properties/${field}', ${JSON.stringify(value)} is not ${expected}.`, docs);
}

export function requireString(body: Record<string, unknown>, field: string, docs?: string): string {
  const value = body[field];
  if (value === undefined || value === null) throw notSupplied(field, docs);
  if (typeof value !== "string") throw notA(field, value, "a string", docs);
  return value;
}

export function isSha(value: unknown): value is string {
  return typeof value === "string" && /^[0-9a-f]{40}$/.test(value);
}

/** Base64 wrapped at 60 columns with a trailing newline, the way the contents API returns it. */
export function wrappedBase64(data: Buffer): string {
  const encoded = data.toString("base64");
  if (encoded.length === 0) return "";
  return encoded.replace(/.{1,60}/g, "$&\n");
}

export const DOCS = {
  compare: "https://docs.github.com/rest/commits/commits#compare-two-commits",
  contents: "https://docs.github.com/rest/repos/contents#get-repository-content",
  getTree: "https://docs.github.com/rest/git/trees#get-a-tree",
  createTree: "https://docs.github.com/rest/git/trees#create-a-tree",
  createBlob: "https://docs.github.com/rest/git/blobs#create-a-blob",
  getCommit: "https://docs.github.com/rest/git/commits#get-a-commit-object",
  createCommit: "https://docs.github.com/rest/git/commits#create-a-commit",
  getRef: "https://docs.github.com/rest/git/refs#get-a-reference",
  createRef: "https://docs.github.com/rest/git/refs#create-a-reference",
  updateRef: "https://docs.github.com/rest/git/refs#update-a-reference",
  pulls: "https://docs.github.com/rest/pulls/pulls#get-a-pull-request",
  commitPulls: "https://docs.github.com/rest/commits/commits#list-pull-requests-associated-with-a-commit",
  listPulls: "https://docs.github.com/rest/pulls/pulls#list-pull-requests",
  createPull: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
  pullFiles: "https://docs.github.com/rest/pulls/pulls#list-pull-requests-files",
  createCheckRun: "https://docs.github.com/rest/checks/runs#create-a-check-run",
  updateCheckRun: "https://docs.github.com/rest/checks/runs#update-a-check-run",
  getCheckRun: "https://docs.github.com/rest/checks/runs#get-a-check-run",
  listCheckRuns: "https://docs.github.com/rest/checks/runs#list-check-runs-for-a-git-reference",
  checkRunAnnotations: "https://docs.github.com/rest/checks/runs#list-check-run-annotations",
  createComment: "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
  updateComment: "https://docs.github.com/rest/issues/comments#update-an-issue-comment",
  listComments: "https://docs.github.com/rest/issues/comments#list-issue-comments",
  graphql: "https://docs.github.com/graphql",
  accessTokens: "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app",
  collaboratorPermission: "https://docs.github.com/rest/collaborators/collaborators#get-repository-permissions-for-a-user",
} as const;

/** An optional `author`/`committer` object of a write request: `{ name, email, date? }`. */
export function optionalIdentity(body: Record<string, unknown>, field: "author" | "committer", docs?: string): GitIdentity | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw notA(field, value, "an object", docs);
  const identity = value as Record<string, unknown>;
  const name = requireString(identity, "name", docs);
  const email = requireString(identity, "email", docs);
  const date = identity.date;
  if (date !== undefined && (typeof date !== "string" || Number.isNaN(Date.parse(date)))) {
    throw notA(`${field}/properties/date`, date, "a date-time", docs);
  }
  return date === undefined ? { name, email } : { name, email, date };
}

/** The identity GitHub records for API writes made with an installation token. */
export function botIdentity(): GitIdentity {
  return gitIdentityFor(BOT_LOGIN);
}
