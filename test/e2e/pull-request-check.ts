import { expect } from "vitest";
import type { Harness } from "./harness.js";

/**
 * Opens a pull request adding `files`, delivers `pull_request.opened` and waits for its
 * completed `chorebot` check (undefined when none came within a minute).
 */
export async function checkOf(h: Harness, files: Record<string, string>) {
  const pr = await h.gh.openPullRequest({ files, author: "alice" });
  const delivery = await h.deliver("pull_request", h.gh.pullRequestPayload({ number: pr.number, action: "opened" }));
  expect([200, 202]).toContain(delivery.status);
  // No event tells the stand-in's client a check run was written: poll it, with a deadline.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const check = h.gh.checkRuns(pr.headSha).findLast((run) => run.name === "chorebot" && run.status === "completed");
    if (check !== undefined || Date.now() > deadline) return check;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
