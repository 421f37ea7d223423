import { RequestError } from "@octokit/request-error";
import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  githubStatus,
  isForbiddenOrNotFound,
  isGitHubHttpError,
  isNotFastForward,
  isNotFound,
  isProtectedBranch,
  isPullRequestExists,
  isReferenceExists,
} from "../../../src/github/http-error.js";
import { TestOctokit } from "../../helpers/test-probot.js";

const request = { method: "PATCH" as const, url: "https://api.github.com/repos/acme/widgets/git/refs/heads%2Fmain", headers: {} };

/** A `RequestError` as Octokit throws it for GitHub's answer `data` with `status`. */
function answered(status: number, data: unknown, headers: Record<string, string> = {}): RequestError {
  const message = typeof data === "object" && data !== null && "message" in data ? String(data.message) : `Unknown error: ${JSON.stringify(data)}`;
  return new RequestError(message, status, { request, response: { status, url: request.url, headers, data } });
}

/** A request that got no answer: Octokit reports it as a 500 without a response. */
const unanswered = () => new RequestError("getaddrinfo ENOTFOUND api.github.com", 500, { request, cause: new Error("ENOTFOUND") });

const everyPredicate = {
  isGitHubHttpError,
  isNotFound,
  isForbiddenOrNotFound,
  isNotFastForward,
  isReferenceExists,
  isPullRequestExists,
  isProtectedBranch,
};

describe("githubStatus", () => {
  it("is the status of a request error, answered or not", () => {
    expect(githubStatus(answered(404, { message: "Not Found" }))).toBe(404);
    expect(githubStatus(unanswered())).toBe(500);
  });

  it("is null for anything without a numeric status", () => {
    for (const thrown of [new Error("boom"), null, undefined, "404", 404, { status: "404" }]) expect(githubStatus(thrown)).toBeNull();
    expect(githubStatus({ status: 409 })).toBe(409);
  });
});

describe("every predicate", () => {
  it("is false, without throwing, for things that are not GitHub errors", () => {
    for (const [name, predicate] of Object.entries(everyPredicate)) {
      for (const thrown of [new Error("Update is not a fast forward"), new TypeError("x"), null, undefined, "HttpError", 422, {}]) {
        expect(predicate(thrown), `${name}(${JSON.stringify(thrown) ?? "undefined"})`).toBe(false);
      }
    }
  });
});

describe("isGitHubHttpError", () => {
  it("is any Octokit request error, whatever its status, and only those", () => {
    expect(isGitHubHttpError(answered(404, { message: "Not Found" }))).toBe(true);
    expect(isGitHubHttpError(answered(422, { message: "Validation Failed" }))).toBe(true);
    expect(isGitHubHttpError(unanswered())).toBe(true);
    // A request error passed along as a plain object keeps its name.
    expect(isGitHubHttpError({ name: "HttpError", status: 500 })).toBe(true);
    expect(isGitHubHttpError(Object.assign(new Error("x"), { status: 404 }))).toBe(false);
  });
});

describe("isNotFound / isForbiddenOrNotFound", () => {
  it("tell 404 (and 403) apart from other failures", () => {
    const notFound = answered(404, { message: "Not Found" });
    const forbidden = answered(403, { message: "Resource not accessible by integration" });
    expect(isNotFound(notFound)).toBe(true);
    expect(isNotFound(forbidden)).toBe(false);
    expect(isNotFound(unanswered())).toBe(false);
    expect(isForbiddenOrNotFound(notFound)).toBe(true);
    expect(isForbiddenOrNotFound(forbidden)).toBe(true);
    expect(isForbiddenOrNotFound(answered(401, { message: "Bad credentials" }))).toBe(false);
    expect(isForbiddenOrNotFound(answered(422, { message: "Validation Failed" }))).toBe(false);
    expect(isForbiddenOrNotFound(unanswered())).toBe(false);
  });
});

describe("isNotFastForward", () => {
  it("is GitHub's 422 for a ref update that is not a fast forward", () => {
    expect(isNotFastForward(answered(422, { message: "Update is not a fast forward" }))).toBe(true);
    expect(isNotFastForward(answered(422, { message: "Update is not a fast-forward" }))).toBe(true);
  });

  it("reads the body's message when the error's message says nothing", () => {
    const error = answered(422, { message: "Update is not a fast forward" });
    error.message = "Unprocessable Entity";
    expect(isNotFastForward(error)).toBe(true);
  });

  it("is not any other 422, nor the text under another status", () => {
    expect(isNotFastForward(answered(422, { message: "Reference update failed" }))).toBe(false);
    expect(isNotFastForward(answered(409, { message: "Update is not a fast forward" }))).toBe(false);
    expect(isNotFastForward(answered(422, { message: "Protected branch update failed for refs/heads/main." }))).toBe(false);
  });
});

describe("isReferenceExists", () => {
  it("is the 422 for creating a branch that exists", () => {
    expect(isReferenceExists(answered(422, { message: "Reference already exists" }))).toBe(true);
    expect(isReferenceExists(answered(422, { message: "Update is not a fast forward" }))).toBe(false);
    expect(isReferenceExists(answered(409, { message: "Reference already exists" }))).toBe(false);
  });
});

describe("isPullRequestExists", () => {
  const exists = {
    message: "Validation Failed",
    errors: [{ resource: "PullRequest", code: "custom", message: "A pull request already exists for acme:chorebot/cleanup-r1." }],
  };

  it("finds GitHub's sentence in the body's errors", () => {
    expect(isPullRequestExists(answered(422, exists))).toBe(true);
  });

  it("reads the body only, not the error's message", () => {
    const error = answered(422, { message: "Validation Failed" });
    error.message = "A pull request already exists";
    expect(isPullRequestExists(error)).toBe(false);
  });

  it("is not another 422 nor another status", () => {
    expect(isPullRequestExists(answered(422, { message: "Validation Failed", errors: [{ message: "No commits between main and x" }] }))).toBe(false);
    expect(isPullRequestExists(answered(403, exists))).toBe(false);
  });
});

describe("isProtectedBranch", () => {
  it("is classic protection's 422, or 403", () => {
    expect(isProtectedBranch(answered(422, { message: "Protected branch update failed for refs/heads/main." }))).toBe(true);
    expect(isProtectedBranch(answered(403, { message: "Protected branch update failed for refs/heads/main." }))).toBe(true);
  });

  it("is a ruleset's 422", () => {
    const ruleset = { message: "Repository rule violations found\n\nChanges must be made through a pull request.\n\n" };
    expect(isProtectedBranch(answered(422, ruleset))).toBe(true);
  });

  it("is not another refusal", () => {
    expect(isProtectedBranch(answered(422, { message: "Update is not a fast forward" }))).toBe(false);
    expect(isProtectedBranch(answered(403, { message: "Resource not accessible by integration" }))).toBe(false);
    expect(isProtectedBranch(answered(409, { message: "Protected branch update failed" }))).toBe(false);
  });
});

describe("errors thrown by Octokit itself", () => {
  const API = "https://api.github.com";
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending).toEqual([]);
  });

  async function thrownBy(status: number, body: object, headers: Record<string, string> = {}): Promise<unknown> {
    nock(API).patch("/repos/acme/widgets/git/refs/heads%2Fmain").reply(status, body, headers);
    return new TestOctokit({ auth: "token" }).rest.git.updateRef({ owner: "acme", repo: "widgets", ref: "heads/main", sha: "a".repeat(40) }).then(
      () => expect.unreachable(),
      (error: unknown) => error,
    );
  }

  it("classify a real not-a-fast-forward, protected branch and pull-request-exists answer", async () => {
    const notFastForward = await thrownBy(422, { message: "Update is not a fast forward", documentation_url: "https://docs.github.com/rest" });
    expect(isGitHubHttpError(notFastForward)).toBe(true);
    expect(githubStatus(notFastForward)).toBe(422);
    expect(isNotFastForward(notFastForward)).toBe(true);
    expect(isProtectedBranch(notFastForward)).toBe(false);

    const protectedBranch = await thrownBy(422, {
      message: "Protected branch update failed for refs/heads/main.",
      documentation_url: "https://docs.github.com/rest",
    });
    expect(isProtectedBranch(protectedBranch)).toBe(true);
    expect(isNotFastForward(protectedBranch)).toBe(false);

    const exists = await thrownBy(422, {
      message: "Validation Failed",
      errors: [{ resource: "PullRequest", code: "custom", message: "A pull request already exists for acme:x." }],
    });
    expect(isPullRequestExists(exists)).toBe(true);
    expect(isReferenceExists(exists)).toBe(false);

    const notFound = await thrownBy(404, { message: "Not Found" });
    expect(isNotFound(notFound)).toBe(true);
    expect(isForbiddenOrNotFound(notFound)).toBe(true);
  });
});
