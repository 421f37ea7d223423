import Bottleneck from "bottleneck";
import { ProbotOctokit } from "probot";

/** An installation-authenticated client, as Probot hands it to handlers and workers. */
export type GitHubClient = InstanceType<typeof ProbotOctokit>;

/**
 * Probot's Octokit (retry + throttling on) with GitHub's pacing of writes made configurable:
 * one second between writes, and three between writes that notify people (comments), by
 * default. GitHub Enterprise admins may allow more, and tests against the local stand-in
 * would otherwise wait seconds on every commit and comment.
 */
export function chorebotOctokit(writeIntervalMs: number): typeof ProbotOctokit {
  const write = new Bottleneck.Group({ maxConcurrent: 1, minTime: writeIntervalMs });
  const notifications = new Bottleneck.Group({ maxConcurrent: 1, minTime: 3 * writeIntervalMs });
  return ProbotOctokit.defaults((options: ConstructorParameters<typeof ProbotOctokit>[0]) => ({
    ...options,
    // Octokit types its options as an open record: `throttle` is whatever Probot set there.
    throttle: { ...(options?.throttle as Record<string, unknown> | undefined), write, notifications },
  }));
}
