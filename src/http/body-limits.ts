/** Where GitHub delivers webhooks (Probot's default path). */
export const WEBHOOK_PATH = "/api/github/webhooks";

/**
 * GitHub's own cap on a webhook payload ("Payloads are capped at 25 MB", GitHub's webhook
 * docs), read as MiB so that nothing GitHub delivers is ever refused.
 */
export const WEBHOOK_BODY_LIMIT = 25 * 1024 * 1024;

/** Every other route takes a small JSON body at most (a cancel, a dashboard action). */
export const BODY_LIMIT = 64 * 1024;

/**
 * Bytes of request bodies being received at once, all requests together (bodies are held
 * until complete: see CappedRequest). It bounds what a flood of big unsigned bodies costs,
 * and leaves room for two of GitHub's largest deliveries at once and any number of usual ones.
 */
export const RECEIVING_BODIES_LIMIT = 2 * WEBHOOK_BODY_LIMIT;

/** Where a chore's form is posted: its uploads make the body larger than any other route's. */
export const CHORES_PATH = "/chores/";

/** A chore form's body: each file at most CHORE_FILE_LIMIT, this many such files, and room for the other fields. */
export function choreFormLimit(fileLimit: number): number {
  return 4 * fileLimit + 1024 * 1024;
}

/**
 * The body cap of a request: GitHub's for the webhook path, matched as @octokit/webhooks
 * matches it (trailing slashes dropped, then the URL's path), `choreForm` under /chores/
 * when the chores pages are served, BODY_LIMIT for everything else.
 */
export function bodyLimitFor(url: string, choreForm: number | null = null): number {
  const path = pathOf(url.replace(/\/+$/, ""));
  if (path === WEBHOOK_PATH) return WEBHOOK_BODY_LIMIT;
  return choreForm !== null && path?.startsWith(CHORES_PATH) ? choreForm : BODY_LIMIT;
}

function pathOf(url: string): string | null {
  try {
    return new URL(url || "/", "http://localhost").pathname;
  } catch {
    return null;
  }
}
