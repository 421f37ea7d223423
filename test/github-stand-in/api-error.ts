import { STATUS_CODES } from "node:http";

const DEFAULT_DOCS_URL = "https://docs.github.com/rest";

/** GitHub's error body: `{ message, documentation_url, status }` (status is a string, as GitHub sends it). */
export function errorBody(status: number, message?: string, documentationUrl = DEFAULT_DOCS_URL) {
  return {
    message: message ?? STATUS_CODES[status] ?? "Error",
    documentation_url: documentationUrl,
    status: String(status),
  };
}

/** Thrown by route handlers; the server turns it into a GitHub-shaped error response. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly documentationUrl: string = DEFAULT_DOCS_URL,
  ) {
    super(message);
  }

  get body() {
    return errorBody(this.status, this.message, this.documentationUrl);
  }
}

export const notFound = (documentationUrl?: string) => new ApiError(404, "Not Found", documentationUrl);

/** GitHub's 422 for schema violations: "Invalid request.\n\n<detail>". */
export const invalidRequest = (detail: string, documentationUrl?: string) => new ApiError(422, `Invalid request.\n\n${detail}`, documentationUrl);

export const unprocessable = (message: string, documentationUrl?: string) => new ApiError(422, message, documentationUrl);

/** GitHub's 422 "Validation Failed" with an `errors` array (Octokit appends those to its message). */
export class ValidationFailed extends ApiError {
  constructor(
    readonly errors: Record<string, unknown>[],
    documentationUrl?: string,
  ) {
    super(422, "Validation Failed", documentationUrl);
  }

  override get body() {
    return { ...super.body, errors: this.errors };
  }
}
