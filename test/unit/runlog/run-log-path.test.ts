import { describe, expect, it } from "vitest";
import { runLogPath } from "../../../src/runlog/run-log-path.js";

const commit = "abc1234def5678abc1234def5678abc1234def56";

describe("runLogPath", () => {
  it("names the log after the script and the short commit", () => {
    expect(runLogPath({ script: "scripts/2026-11-fix-plans.ts", commit, attempt: 1 })).toBe("logs/2026-11-fix-plans-abc1234.md");
  });

  it("keeps sub-folders under the scripts dir", () => {
    expect(runLogPath({ script: "scripts/billing/fix.ts", commit, attempt: 1 })).toBe("logs/billing/fix-abc1234.md");
  });

  it("gives manual retries their own file", () => {
    expect(runLogPath({ script: "scripts/fix.ts", commit, attempt: 2 })).toBe("logs/fix-abc1234-attempt-2.md");
    expect(() => runLogPath({ script: "scripts/fix.ts", commit, attempt: 0 })).toThrow(RangeError);
  });

  it("honours custom directories", () => {
    expect(runLogPath({ logsDir: "ops/logs/", scriptsDir: "./ops/scripts", script: "ops/scripts/a/b.mts", commit, attempt: 1 })).toBe(
      "ops/logs/a/b-abc1234.md",
    );
  });

  it("makes odd characters safe and keeps sanitised names apart", () => {
    const spaced = runLogPath({ script: "scripts/fix plans #2?.ts", commit, attempt: 1 });
    const dashed = runLogPath({ script: "scripts/fix-plans-2-.ts", commit, attempt: 1 });
    expect(spaced).toMatch(/^logs\/fix-plans-2--[0-9a-f]{6}-abc1234\.md$/);
    expect(dashed).toBe("logs/fix-plans-2--abc1234.md");
    expect(runLogPath({ script: "scripts/café/ünïcode.ts", commit, attempt: 1 })).toBe("logs/café/ünïcode-abc1234.md");
    expect(runLogPath({ script: "scripts/.hidden.ts", commit: "ABC1234FFFF", attempt: 1 })).toMatch(
      /^logs\/hidden-[0-9a-f]{6}-abc1234\.md$/,
    );
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
