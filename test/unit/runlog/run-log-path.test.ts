import { describe, expect, it } from "vitest";
import { defaultRepoConfig } from "../../../src/github/repo-config.js";
import { choreLogPath, earlierRunLogPaths, runLogPath } from "../../../src/runlog/run-log-path.js";
import { targetLogPath } from "../../../src/runlog/target-log-path.js";

const commit = "abc1234def5678abc1234def5678abc1234def56";
const committedAt = "2026-11-23T12:58:06Z";

describe("runLogPath", () => {
  it("names the log after the script, extension included, and the commit's first 12 characters, in the merge's month", () => {
    expect(runLogPath({ script: "scripts/2026-11-fix-plans.ts", commit, committedAt, attempt: 1 })).toBe("logs/2026/11/2026-11-fix-plans.ts-abc1234def56.md");
  });

  it("dates the folder by the commit's time in UTC, whatever offset it was written with", () => {
    const at = (committedAt: string) => runLogPath({ script: "scripts/fix.ts", commit, committedAt, attempt: 1 });
    expect(at("2026-12-31T23:30:00-02:00")).toBe("logs/2027/01/fix.ts-abc1234def56.md");
    expect(at("2027-01-01T00:30:00+01:00")).toBe("logs/2026/12/fix.ts-abc1234def56.md");
    expect(at("2026-01-01T00:00:00Z")).toBe("logs/2026/01/fix.ts-abc1234def56.md");
    expect(at("2026-09-30T23:59:59.999Z")).toBe("logs/2026/09/fix.ts-abc1234def56.md");
  });

  it("refuses a time it cannot place in UTC", () => {
    for (const committedAt of ["", "yesterday", "2026-13-01T00:00:00Z", "Tue, 01 Dec 2026 10:00:00", "2026-12-01", "2026-12-01T10:00:00"]) {
      expect(() => runLogPath({ script: "scripts/fix.ts", commit, committedAt, attempt: 1 })).toThrow(RangeError);
    }
  });

  it("keeps sub-folders under the scripts dir", () => {
    expect(runLogPath({ script: "scripts/billing/fix.ts", commit, committedAt, attempt: 1 })).toBe("logs/2026/11/billing/fix.ts-abc1234def56.md");
  });

  it("gives manual retries their own file", () => {
    expect(runLogPath({ script: "scripts/fix.ts", commit, committedAt, attempt: 2 })).toBe("logs/2026/11/fix.ts-abc1234def56-attempt-2.md");
    expect(() => runLogPath({ script: "scripts/fix.ts", commit, committedAt, attempt: 0 })).toThrow(RangeError);
    expect(() => runLogPath({ script: "scripts/fix.ts", commit, committedAt, attempt: 1.5 })).toThrow(RangeError);
  });

  it("honours custom directories", () => {
    expect(runLogPath({ logsDir: "ops/logs/", scriptsDir: "./ops/scripts", script: "ops/scripts/a/b.mts", commit, committedAt, attempt: 1 })).toBe(
      "ops/logs/2026/11/a/b.mts-abc1234def56.md",
    );
    expect(runLogPath({ logsDir: ".", script: "scripts/a.ts", commit, committedAt, attempt: 1 })).toBe("2026/11/a.ts-abc1234def56.md");
  });

  it("gives every script its own log, however it is named", () => {
    const names = [
      "scripts/dup.ts",
      "scripts/dup.mjs",
      "scripts/dup.js",
      "scripts/fix plans #2?.ts",
      "scripts/fix-plans-2-.ts",
      "scripts/fix%20plans%20%232%3F.ts",
      "scripts/fix%2520plans.ts",
      "scripts/fix%20plans.ts",
      "scripts/a/b.ts",
      "scripts/a%2Fb.ts",
      "scripts/x.ts-abc1234def56-attempt-2.ts",
      "scripts/x.ts",
      "scripts/café/ünïcode.ts",
    ];
    const paths = names.flatMap((script) => [1, 2].map((attempt) => runLogPath({ script, commit, committedAt, attempt })));
    expect(new Set(paths).size).toBe(paths.length);
    expect(runLogPath({ script: "scripts/fix plans #2?.ts", commit, committedAt, attempt: 1 })).toBe("logs/2026/11/fix%20plans%20%232%3F.ts-abc1234def56.md");
    expect(runLogPath({ script: "scripts/café/ünïcode.ts", commit, committedAt, attempt: 1 })).toBe("logs/2026/11/café/ünïcode.ts-abc1234def56.md");
    expect(runLogPath({ script: "scripts/.hidden.ts", commit: "ABC1234FFFFF", committedAt, attempt: 1 })).toBe("logs/2026/11/%2Ehidden.ts-abc1234fffff.md");
  });

  it("never leaves the logs dir", () => {
    for (const script of ["../../etc/passwd.ts", "scripts/../../x.ts", "/abs/x.ts", "scripts/a/../../../b.ts"]) {
      const path = runLogPath({ script, commit, committedAt, attempt: 1 });
      expect(path.startsWith("logs/2026/11/")).toBe(true);
      expect(path.split("/")).not.toContain("..");
    }
    for (const logsDir of ["..", "../logs", "logs/../../x"]) {
      expect(() => runLogPath({ logsDir, script: "scripts/x.ts", commit, committedAt, attempt: 1 })).toThrow(RangeError);
      expect(() => earlierRunLogPaths({ logsDir, script: "scripts/x.ts", commit, attempt: 1 })).toThrow(RangeError);
    }
  });

  it("is deterministic", () => {
    const o = { script: "scripts/x y.ts", commit, committedAt, attempt: 3 };
    expect(runLogPath(o)).toBe(runLogPath({ ...o }));
  });
});

describe("earlierRunLogPaths", () => {
  // Expected values were produced by the old functions themselves (`git show 4b8d47d:…` for
  // the flat scheme, `git show c7b2167:…` for the first), not re-derived here.
  const sha = "abcdef1234567890abcdef1234567890abcdef12";
  const cases: [Parameters<typeof earlierRunLogPaths>[0], flat: string, first: string][] = [
    [{ script: "scripts/billing/fix.ts", commit: sha, attempt: 1 }, "logs/billing/fix.ts-abcdef123456.md", "logs/billing/fix-abcdef1.md"],
    [{ script: "scripts/billing/fix.ts", commit: sha, attempt: 2 }, "logs/billing/fix.ts-abcdef123456-attempt-2.md", "logs/billing/fix-abcdef1-attempt-2.md"],
    [{ script: "scripts/fix plans #2?.ts", commit: sha, attempt: 1 }, "logs/fix%20plans%20%232%3F.ts-abcdef123456.md", "logs/fix-plans-2--bbb152-abcdef1.md"],
    [{ script: "scripts/café/ünïcode.ts", commit: sha, attempt: 1 }, "logs/café/ünïcode.ts-abcdef123456.md", "logs/café/ünïcode-abcdef1.md"],
    [
      { script: "scripts/.hidden.ts", commit: "ABCDEF1234567890", attempt: 3 },
      "logs/%2Ehidden.ts-abcdef123456-attempt-3.md",
      "logs/hidden-76ca46-abcdef1-attempt-3.md",
    ],
    [{ script: "scripts/a b/c.d.mts", commit: sha, attempt: 1 }, "logs/a%20b/c.d.mts-abcdef123456.md", "logs/a-b/c.d-8715c6-abcdef1.md"],
    [{ script: "scripts/../../x.ts", commit: sha, attempt: 1 }, "logs/%2E./x.ts-abcdef123456.md", "logs/_/x-ab60f2-abcdef1.md"],
    [
      { logsDir: "ops/logs/", scriptsDir: "./ops/scripts", script: "ops/scripts/a/b.mts", commit: sha, attempt: 1 },
      "ops/logs/a/b.mts-abcdef123456.md",
      "ops/logs/a/b-abcdef1.md",
    ],
  ];

  it.each(cases)("gives the flat path, then the first scheme's, exactly as older releases wrote them (%j)", (run, flat, first) => {
    expect(earlierRunLogPaths(run)).toEqual([flat, first]);
  });

  it("differs from the dated path, which is the same flat name inside the merge's month", () => {
    const run = { script: "scripts/billing/fix.ts", commit: sha, attempt: 1 };
    const dated = runLogPath({ ...run, committedAt });
    expect(earlierRunLogPaths(run)).not.toContain(dated);
    expect(dated).toBe(earlierRunLogPaths(run)[0]!.replace(/^logs\//, "logs/2026/11/"));
  });
});

describe("choreLogPath", () => {
  const run = { chore: "billing/unlock-account", runId: "widgets-chore-billing-unlock-account-3fa2b1c9d0e4", requestedAt: "2026-12-06T23:30:00-02:00" };

  it("puts a chore run's log under chores/<chore>/<yyyy>/<mm>, named by the UTC day it was asked for and its run id", () => {
    expect(choreLogPath({ ...run, attempt: 1 })).toBe("logs/chores/billing/unlock-account/2026/12/07-widgets-chore-billing-unlock-account-3fa2b1c9d0e4.md");
    expect(choreLogPath({ ...run, attempt: 2 })).toBe(
      "logs/chores/billing/unlock-account/2026/12/07-widgets-chore-billing-unlock-account-3fa2b1c9d0e4-attempt-2.md",
    );
    expect(choreLogPath({ ...run, logsDir: "./ops/logs/", attempt: 1 })).toMatch(/^ops\/logs\/chores\/billing\/unlock-account\/2026\/12\/07-/);
    expect(() => choreLogPath({ ...run, requestedAt: "2026-12-06", attempt: 1 })).toThrow(RangeError);
    expect(() => choreLogPath({ ...run, attempt: 0 })).toThrow(RangeError);
  });

  it("never leaves <logsDir>/chores, and keeps names safe in URLs and shells", () => {
    for (const chore of ["../../etc/passwd", "a/../../b", "/abs", ".hidden", "a b;rm -rf ~"]) {
      const path = choreLogPath({ ...run, chore, runId: "../x y", attempt: 1 });
      expect(path.startsWith("logs/chores/")).toBe(true);
      expect(path.split("/")).not.toContain("..");
      expect(path).toMatch(/^[\p{L}\p{N}%._/-]+$/u);
    }
    for (const logsDir of ["..", "../logs"]) expect(() => choreLogPath({ ...run, logsDir, attempt: 1 })).toThrow(RangeError);
  });

  it("is the path targetLogPath gives a chore run, which needs its run id", () => {
    const target = {
      path: "chores/billing/unlock-account.ts",
      commit,
      committedAt,
      config: defaultRepoConfig({ minApprovals: 1, maxTimeoutMs: 900_000, minChorePermission: "write" }),
      chore: { name: run.chore, request: { trigger: "ui" as const, requestedBy: "carol", requestedAt: run.requestedAt, inputs: {} } },
    };
    expect(targetLogPath(target, 1, run.runId)).toBe(choreLogPath({ ...run, attempt: 1 }));
    expect(() => targetLogPath(target, 1)).toThrow(TypeError);
  });
});
