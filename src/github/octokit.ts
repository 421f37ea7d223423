import Bottleneck from "bottleneck";
import { ProbotOctokit } from "probot";

/** An installation-authenticated client, as Probot hands it to handlers and workers. */
export type GitHubClient = InstanceType<typeof ProbotOctokit>;

/**
 * Probot's Octokit (retry + throttling on) with GitHub's "one second between writes" rule
 * made configurable: GitHub Enterprise admins may allow more, and tests against the local
 * stand-in would otherwise wait a second on every commit.
 */
export function chorebotOctokit(writeIntervalMs: number): typeof ProbotOctokit {
  const write = new Bottleneck.Group({ maxConcurrent: 1, minTime: writeIntervalMs });
  return ProbotOctokit.defaults((options: ConstructorParameters<typeof ProbotOctokit>[0]) => ({
    ...options,
    throttle: { ...options?.throttle, write },
  })) as typeof ProbotOctokit;
}
