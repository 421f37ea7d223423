import { RequestError } from "@octokit/request-error";
import { DelayedError, UnrecoverableError } from "bullmq";
import { describe, expect, it } from "vitest";
import { AlreadyRecorded } from "../../../src/steps/already-recorded.js";
import { failingInWords, inWords, StepError } from "../../../src/steps/step-error.js";
import { boundedError } from "../../../src/logger.js";

const request = { method: "PATCH" as const, url: "https://api.github.com/repos/o/r/git/refs/heads/main", headers: {} };

function githubError(status: number, message: string, answered = true): RequestError {
  return new RequestError(message, status, {
    request,
    ...(answered ? { response: { status, url: request.url, headers: {}, data: { message } } } : {}),
  });
}

describe("StepError and inWords", () => {
  it("says GitHub's answer with its status, without the documentation link, and what chorebot was doing", () => {
    const error = inWords(
      githubError(403, "Resource not accessible by integration - https://docs.github.com/rest/git/refs#update-a-reference"),
      "committing the run log",
    );
    expect(error).toBeInstanceOf(StepError);
    expect((error as StepError).message).toBe("GitHub answered 403 Forbidden (Resource not accessible by integration) while committing the run log");
    expect((inWords(githubError(502, "Bad Gateway"), "bundling it") as Error).message).toBe("GitHub answered 502 Bad Gateway while bundling it");
    expect((inWords(githubError(500, "connect ECONNREFUSED 127.0.0.1:9", false), "bundling it") as Error).message).toBe(
      "GitHub did not answer (connect ECONNREFUSED 127.0.0.1:9) while bundling it",
    );
    expect((inWords(new Error("Connection is closed.\n"), "recording the run") as Error).message).toBe("Connection is closed. while recording the run");
  });

  it("keeps one line of stack, for BullMQ's stacktrace, and the error it explains as its cause, for the worker's log", () => {
    const cause = githubError(502, "Bad Gateway");
    const error = inWords(cause, "bundling it") as StepError;
    expect(error.stack).toBe(`StepError: ${error.message}`);
    expect(error.cause).toBe(cause);
    const logged = boundedError(error);
    expect(logged.stack).toContain("caused by: HttpError: Bad Gateway");
    expect(logged.stack).toMatch(/\n\s+at /);
  });

  it("leaves a StepError and BullMQ's errors that steer a job as they are", () => {
    const own = new StepError("already in words");
    const steering = [new DelayedError("waiting"), new UnrecoverableError("for good"), new AlreadyRecorded("already running: r#1")];
    for (const error of [own, ...steering]) expect(inWords(error, "x")).toBe(error);
    const named = Object.assign(new Error("moved"), { name: "DelayedError" });
    expect(inWords(named, "x")).toBe(named);
  });

  it("wraps a step: what it returns passes, what it throws is told in words", async () => {
    const ok = failingInWords("doing it", async (n: number) => n + 1);
    await expect(ok(1)).resolves.toBe(2);
    const broken = failingInWords("doing it", async () => {
      throw githubError(404, "Not Found");
    });
    await expect(broken()).rejects.toThrow(new StepError("GitHub answered 404 Not Found while doing it"));
  });
});
