import { describe, expect, it } from "vitest";
import { runLogPath } from "../../../src/runlog/run-log-path.js";

const commit = "abc1234def5678abc1234def5678abc1234def56";

describe("runLogPath", () => {
  it("names the log after the script, extension included, and the commit's first 12 characters", () => {
    expect(runLogPath({ script: "scripts/2026-11-fix-plans.ts", commit, attempt: 1 })).toBe("logs/2026-11-fix-plans.ts-abc1234def56.md");
  });

  it("keeps sub-folders under the scripts dir", () => {
    expect(runLogPath({ script: "scripts/billing/fix.ts", commit, attempt: 1 })).toBe("logs/billing/fix.ts-abc1234def56.md");
  });

  it("gives manual retries their own file", () => {
    expect(runLogPath({ script: "scripts/fix.ts", commit, attempt: 2 })).toBe("logs/fix.ts-abc1234def56-attempt-2.md");
    expect(() => runLogPath({ script: "scripts/fix.ts", commit, attempt: 0 })).toThrow(RangeError);
  });

  it("honours custom directories", () => {
    expect(runLogPath({ logsDir: "ops/logs/", scriptsDir: "./ops/scripts", script: "ops/scripts/a/b.mts", commit, attempt: 1 })).toBe(
      "ops/logs/a/b.mts-abc1234def56.md",
    );
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
    const paths = names.flatMap((script) => [1, 2].map((attempt) => runLogPath({ script, commit, attempt })));
    expect(new Set(paths).size).toBe(paths.length);
    expect(runLogPath({ script: "scripts/fix plans #2?.ts", commit, attempt: 1 })).toBe("logs/fix%20plans%20%232%3F.ts-abc1234def56.md");
    expect(runLogPath({ script: "scripts/café/ünïcode.ts", commit, attempt: 1 })).toBe("logs/café/ünïcode.ts-abc1234def56.md");
    expect(runLogPath({ script: "scripts/.hidden.ts", commit: "ABC1234FFFFF", attempt: 1 })).toBe("logs/%2Ehidden.ts-abc1234fffff.md");
  });

  it("never leaves the logs dir", () => {
    for (const script of ["../../etc/passwd.ts", "scripts/../../x.ts", "/abs/x.ts", "scripts/a/../../../b.ts"]) {
      const path = runLogPath({ script, commit, attempt: 1 });
      expect(path.startsWith("logs/")).toBe(true);
      expect(path.split("/")).not.toContain("..");
    }
  });

  it("is deterministic", () => {
    const o = { script: "scripts/x y.ts", commit, attempt: 3 };
    expect(runLogPath(o)).toBe(runLogPath({ ...o }));
  });
});
