import type { RunNotice } from "../../../src/notify/run-notice.js";
import type { ExecutionResult } from "../../../src/run-types.js";

/** A commit or blob id made of one repeated character. */
export const sha = (c: string) => c.repeat(40);

/** The notice of attempt 1 of scripts/fix.ts in acme/widgets (alice's pull request #12), which ran as `execution`; `over` replaces fields. */
export function runNotice(execution: ExecutionResult, over: Partial<RunNotice> = {}): RunNotice {
  return {
    runId: "widgets-aaaaaaa-fix-0123456789",
    attempt: 1,
    script: "scripts/fix.ts",
    repository: { owner: "acme", repo: "widgets" },
    commit: sha("a"),
    pullRequest: { number: 12, url: "https://github.com/acme/widgets/pull/12", author: "alice", title: "Fix plans" },
    execution,
    log: { path: "logs/fix-aaaaaaa.md", commit: sha("c"), url: `https://github.com/acme/widgets/blob/${sha("c")}/logs/fix-aaaaaaa.md` },
    ...over,
  };
}
