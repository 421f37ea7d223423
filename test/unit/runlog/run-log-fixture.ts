import type { RunStatus } from "../../../src/run-types.js";
import type { RunLogInput } from "../../../src/runlog/run-log.js";

/** A realistic run log input; tests override what they are about. */
export function runLogInput(overrides: Partial<RunLogInput> & { status?: RunStatus } = {}): RunLogInput {
  const { status = "succeeded", ...rest } = overrides;
  return {
    runId: "run-7f3a",
    jobIds: { process: "acme-app-abc1234-process", execute: "acme-app-abc1234-execute", cleanup: "acme-app-abc1234-cleanup" },
    script: "scripts/2026-11-fix-plans.ts",
    repository: "acme/app",
    commit: "abc1234def5678abc1234def5678abc1234def56",
    pullRequest: { number: 42, url: "https://github.com/acme/app/pull/42", author: "alice", title: "Fix the pro plans" },
    approvedBy: ["bob", "carol"],
    execution: {
      status,
      exitCode: status === "succeeded" ? 0 : status === "failed" ? 1 : null,
      signal: status === "timed_out" ? "SIGKILL" : null,
      startedAt: "2026-11-03T10:00:00.000Z",
      finishedAt: "2026-11-03T10:00:02.345Z",
      durationMs: status === "refused" ? 0 : 2345,
      output: {
        lines:
          status === "refused"
            ? []
            : [
                { t: 12, stream: "stdout", text: "updating 3 plans" },
                { t: 1500, stream: "stderr", text: "warning: plan 7 is archived" },
                { t: 2301, stream: "stdout", text: "done" },
              ],
        omittedBytes: 0,
        omittedAt: null,
      },
      message: status === "succeeded" ? null : `the script ${status.replace("_", " ")}`,
    },
    code: status === "refused" ? null : 'console.log("updating 3 plans");\n',
    attempt: 1,
    runner: "worker-1",
    ...rest,
  };
}
