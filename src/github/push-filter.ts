import type { PushFacts } from "./push-facts.js";

export type PushDecision = { handle: true } | { handle: false; reason: string };

const ZERO_SHA = /^0+$/;

/** Only pushes that move the default branch forward can carry merged scripts. */
export function decidePush(push: Pick<PushFacts, "ref" | "before" | "after" | "deleted"> & { defaultBranch: string | undefined }): PushDecision {
  if (!push.defaultBranch) return { handle: false, reason: "repository has no default branch in the payload" };
  if (push.ref !== `refs/heads/${push.defaultBranch}`) {
    return { handle: false, reason: `${push.ref} is not the default branch ${push.defaultBranch}` };
  }
  if (push.deleted || ZERO_SHA.test(push.after)) return { handle: false, reason: "branch deletion" };
  if (ZERO_SHA.test(push.before)) return { handle: false, reason: "branch creation (no merged pull request to compare)" };
  return { handle: true };
}
