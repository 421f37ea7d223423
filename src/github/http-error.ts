/**
 * What a failed GitHub request says, in one place. Octokit throws a `RequestError` (name
 * "HttpError") with the HTTP `status` and, when GitHub answered, the `response` (headers and
 * the JSON body, whose `message` and `errors` explain a 422). A request that got no answer
 * (network error, timeout) is a `RequestError` too, with status 500 and no `response`.
 *
 * Every function takes whatever was thrown and never throws.
 */

type ErrorShape = {
  name?: unknown;
  status?: unknown;
  message?: unknown;
  response?: { headers?: Record<string, unknown> | null; data?: unknown } | null;
};

function shape(error: unknown): ErrorShape {
  return typeof error === "object" && error !== null ? error : {};
}

/** The HTTP status of a failed request, or null when `error` carries none. */
export function githubStatus(error: unknown): number | null {
  const { status } = shape(error);
  return typeof status === "number" ? status : null;
}

/** Whether `error` is Octokit's request error (name "HttpError"), whatever its status. */
export function isGitHubHttpError(error: unknown): boolean {
  return shape(error).name === "HttpError";
}

/** 404: no such file, ref, collaborator… (or, for some endpoints, no permission to see it). */
export function isNotFound(error: unknown): boolean {
  return githubStatus(error) === 404;
}

/**
 * 403 or 404: how GitHub answers an installation that has not accepted a permission (checks,
 * issues): 403 "Resource not accessible by integration", or 404.
 */
export function isForbiddenOrNotFound(error: unknown): boolean {
  const status = githubStatus(error);
  return status === 403 || status === 404;
}

/** The error's message and the body's `message`, for matching GitHub's 422 explanations. */
function messageText(error: unknown): string {
  const { message, response } = shape(error);
  const data = response?.data;
  const dataMessage = typeof data === "object" && data !== null ? (data as { message?: unknown }).message : undefined;
  return `${typeof message === "string" ? message : ""}\n${typeof dataMessage === "string" ? dataMessage : ""}`;
}

/** 422 "Update is not a fast forward": the branch moved since the commit was built on it. */
export function isNotFastForward(error: unknown): boolean {
  return githubStatus(error) === 422 && /fast.?forward/i.test(messageText(error));
}

/** 422 "Reference already exists": creating a branch that is already there. */
export function isReferenceExists(error: unknown): boolean {
  return githubStatus(error) === 422 && /reference already exists/i.test(messageText(error));
}

/**
 * 422 "A pull request already exists for owner:branch." GitHub puts that sentence in the
 * body's `errors` (the `message` is "Validation Failed"), so the whole body is searched.
 */
export function isPullRequestExists(error: unknown): boolean {
  const status = githubStatus(error);
  return status === 422 && /already exists/i.test(JSON.stringify(shape(error).response?.data ?? ""));
}

/**
 * A write the branch's protection refuses. Classic protection: 422 (sometimes 403) "Protected
 * branch update failed for refs/heads/main."; rulesets: 422 "Repository rule violations found …
 * Changes must be made through a pull request."
 */
export function isProtectedBranch(error: unknown): boolean {
  const status = githubStatus(error);
  return (status === 422 || status === 403) && /protected branch|repository rule violations/i.test(messageText(error));
}
