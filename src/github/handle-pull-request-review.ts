import type { Context } from "probot";
import { decideAsUser, type RunDeciders } from "../api/decide-as.js";
import { comesFromBot } from "../chatops/comes-from-bot.js";
import type { ParkedRuns } from "../stores/parked-runs.js";
import { APPROVAL_SIGNAL } from "../sdk/protocol.js";

/** What an approving review decides with: the decider, and the waits each pull request's review continues. */
export type ReviewDeciders = RunDeciders & { parked: Pick<ParkedRuns, "read" | "decide" | "waitingForReview"> };

/**
 * `pull_request_review.submitted` with state `approved`: each run whose step waits on an
 * approving review of that pull request (`waitFor(name, { pullRequest })`) gets its signal,
 * with the payload `{ by, review, pullRequest }`, if the reviewer is a person (no bot) with the
 * chore's permission on the repository (write for a merged script's run). A redelivery decides
 * nothing twice: the decision is taken atomically, once, and a review submitted before the run
 * began waiting is no answer to that wait (a redelivered review would otherwise continue the
 * next wait on the same pull request, which nobody approved).
 */
export function handlePullRequestReview(deps: ReviewDeciders) {
  return async (context: Context<"pull_request_review.submitted">): Promise<void> => {
    const { review, pull_request: pull, repository } = context.payload;
    if (review.state.toLowerCase() !== "approved" || comesFromBot(review.user)) return;
    const owner = repository.owner.login;
    const repo = repository.name;
    const by = review.user!.login;
    for (const runId of await deps.parked.waitingForReview(owner, repo, pull.number)) {
      const parked = await deps.parked.read(runId);
      // Parked another way since (decided, interrupted), or an approval at run time, which a review does not give.
      if (parked === null || parked.kind !== "waiting" || parked.signal === null || parked.signal === APPROVAL_SIGNAL) continue;
      if (review.submitted_at && Date.parse(review.submitted_at) < Date.parse(parked.since)) continue;
      const payload = { by, review: review.html_url, pullRequest: pull.number };
      const answer = await decideAsUser(deps, runId, { kind: "signal", signal: parked.signal, payload }, { login: by, via: "review" });
      context.log.info({ runId, by, pullRequest: pull.number, taken: answer.ok, message: answer.message }, "an approving review signalled a waiting run");
    }
  };
}
