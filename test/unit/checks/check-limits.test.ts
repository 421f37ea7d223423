import { monitorEventLoopDelay } from "node:perf_hooks";
import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { analyzePullRequest, type CheckSettings } from "../../../src/checks/analyze-pull-request.js";
import type { WorkLimits } from "../../../src/checks/work-limits.js";
import { TestOctokit } from "../../helpers/test-probot.js";
import { fakeGitHub, freshSha, type FakeRepo } from "./fake-github.js";

const TSCONFIG = JSON.stringify({
  compilerOptions: { target: "ES2023", module: "NodeNext", moduleResolution: "NodeNext", strict: true, types: ["node"], skipLibCheck: true, noEmit: true },
});
// Each declaration makes tsc build 1,000 ever longer tuples: about 3 s and 500 MB apiece here.
const PATHOLOGICAL = [
  'type Grow<N extends number, S, A extends unknown[] = []> = A["length"] extends N ? A : Grow<N, S, [...A, [S, A["length"]]]>;',
  ...[1, 2, 3, 4].map((n) => `declare const grown${n}: Grow<999, ${n}>;`),
  "console.log(typeof grown1);",
  "",
].join("\n");
const TYPO = 'const n: number = "one";\nconsole.log(n);\n';

const settings = (workLimits: WorkLimits): CheckSettings => ({
  scriptCwd: process.cwd(),
  scriptEnv: [],
  limits: { minApprovals: 1, maxTimeoutMs: 900_000, minChorePermission: "write" },
  workLimits,
});

function pr(files: Record<string, string>): FakeRepo {
  const prFiles = Object.keys(files)
    .filter((path) => path.startsWith("scripts/"))
    .map((filename) => ({ filename, status: "added" }));
  return { owner: "acme", repo: "ops", number: 7, headSha: freshSha(), author: "alice", files: { "tsconfig.json": TSCONFIG, ...files }, prFiles };
}

/** Analyzes the pull request while measuring how long the test's own event loop was ever held up. */
async function analyzeWatched(repo: FakeRepo, limits: WorkLimits) {
  nock.cleanAll();
  fakeGitHub(repo);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 50);
  delay.enable();
  const started = performance.now();
  try {
    const report = await analyzePullRequest(new TestOctokit({ auth: "token" }), { ...repo, baseRef: "main", author: "alice" }, settings(limits));
    return { report: report!, ms: performance.now() - started, maxDelayMs: delay.max / 1e6, ticks };
  } finally {
    delay.disable();
    clearInterval(ticker);
  }
}

describe("limits on the work a pull request triggers", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());

  it("stops a type check over its time limit, keeps the errors found before, and the event loop answers throughout", async () => {
    // Warm (TypeScript and Node's declarations loaded in the check thread), then timed: the
    // limit leaves room for the other script's error to come out first, on a busy machine too.
    const roomy = { timeMs: 60_000, memoryMb: 1024 };
    await analyzeWatched(pr({ "scripts/a-typo.ts": TYPO }), roomy);
    const warm = await analyzeWatched(pr({ "scripts/a-typo.ts": TYPO }), roomy);
    expect(warm.report.conclusion).toBe("failure");
    const limits = { ...roomy, timeMs: Math.max(3, Math.ceil((3 * warm.ms) / 1000)) * 1000 };

    const { report, ms, maxDelayMs, ticks } = await analyzeWatched(pr({ "scripts/a-typo.ts": TYPO, "scripts/slow.ts": PATHOLOGICAL }), limits);
    const title = `Type check stopped: over ${limits.timeMs / 1000} s`;
    expect(report.conclusion).toBe("failure");
    expect(report.title).toBe(title);
    // Reading from GitHub (not counted) and stopping the thread come on top; unstopped, this type check takes 13 s or more.
    expect(ms).toBeLessThan(limits.timeMs + 5_000);
    // Found before the stop: the other script's error, at its place.
    expect(report.annotations).toContainEqual(expect.objectContaining({ path: "scripts/a-typo.ts", start_line: 1, title: "TypeScript error TS2322" }));
    expect(report.annotations).toContainEqual(expect.objectContaining({ path: "scripts/slow.ts", annotation_level: "failure", title }));
    expect(report.summary).toContain(`type check stopped (over ${limits.timeMs / 1000} s)`);
    expect(maxDelayMs).toBeLessThan(200);
    expect(ticks).toBeGreaterThan(limits.timeMs / 50 / 2);
  }, 60_000);

  it("stops a type check over its memory limit, then checks the next pull request as before", async () => {
    const limits = { timeMs: 60_000, memoryMb: 300 };
    const { report, maxDelayMs } = await analyzeWatched(pr({ "scripts/slow.ts": PATHOLOGICAL }), limits);
    expect(report.conclusion).toBe("failure");
    expect(report.title).toBe("Type check stopped: over 300 MB");
    expect(report.summary).toContain("type check stopped (over 300 MB)");
    expect(maxDelayMs).toBeLessThan(200);

    // A fresh thread took the killed one's place.
    const next = await analyzeWatched(pr({ "scripts/fine.ts": "const n: number = 1;\nconsole.log(n);\n" }), limits);
    expect(next.report).toMatchObject({ conclusion: "success", title: "1 script will run on merge; 1 approval missing", annotations: [] });
    expect(next.report.summary).toContain("✅ bundles, type-checks, packages installed");
  }, 60_000);

  it("stops reading a script's definition over the time limit, and type-checks nothing after", async () => {
    // About 1.4 MB: its definition takes TypeScript's parser some 400 ms to read.
    const big = `export const rows = [\n${Array.from({ length: 40_000 }, (_, i) => `  { id: ${i}, name: "row-${i}" },`).join("\n")}\n];\nconsole.log(rows.length);\n`;
    const { report } = await analyzeWatched(pr({ "scripts/big.ts": big }), { timeMs: 100, memoryMb: 1024 });
    expect(report).toMatchObject({ conclusion: "failure", title: "Inspection stopped: over 0.1 s" });
    expect(report.annotations).toEqual([
      expect.objectContaining({ path: "scripts/big.ts", start_line: 1, annotation_level: "failure", title: "Inspection stopped: over 0.1 s" }),
    ]);
    expect(report.summary).toContain("inspection stopped (over 0.1 s)");
  });

  it("throws a GitHub error met while the check thread reads files, as before", async () => {
    const repo = pr({ "scripts/a.ts": 'import { x } from "./_lib/x.js";\nconsole.log(x);\n', "scripts/_lib/x.ts": "export const x = 1;\n" });
    nock("https://api.github.com")
      .get(/^\/repos\/acme\/ops\/contents\/scripts(%2F|\/)_lib(%2F|\/)x\.ts$/)
      .query(true)
      .reply(502, { message: "Bad Gateway" });
    fakeGitHub(repo);
    await expect(
      analyzePullRequest(new TestOctokit({ auth: "token" }), { ...repo, baseRef: "main", author: "alice" }, settings({ timeMs: 60_000, memoryMb: 1024 })),
    ).rejects.toMatchObject({ name: "HttpError", status: 502 });
  });
});
