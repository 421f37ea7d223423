import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
/* eslint-disable no-control-regex -- what a terminal is sent is control characters */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { runLocalChorebot as chorebot } from "./chorebot-process.js";

// `chorebot run` with the built binary, as a person runs it: what the terminal shows, where the log goes.
const CLI = fileURLToPath(new URL("../../dist/bin/cli.js", import.meta.url));

let repo: string;
let app: string;
beforeEach(async () => {
  repo = await realpath(await mkdtemp(join(tmpdir(), "chorebot-cli-run-")));
  app = join(repo, "app");
  await mkdir(join(repo, "scripts", "_lib"), { recursive: true });
  await mkdir(app);
});
afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

const write = (path: string, source: string) => writeFile(join(repo, path), source);
const readLog = async (path: string) => parseRunLog(await readFile(join(repo, path), "utf8"));

describe("chorebot run: what a failure says", () => {
  it("a stack trace names the TypeScript source's lines, in the terminal and in the log", async () => {
    await write(
      "scripts/_lib/plans.ts",
      [
        "export interface Plan { id: number }",
        "",
        "export function check(plan: Plan): void {",
        "  throw new Error(`plan ${plan.id} is broken`);",
        "}",
        "",
      ].join("\n"),
    );
    await write(
      "scripts/fix.ts",
      ['import { check, type Plan } from "./_lib/plans.js";', "", "const plans: Plan[] = [{ id: 7 }];", "for (const plan of plans) check(plan);", ""].join(
        "\n",
      ),
    );
    const run = await chorebot(["run", "scripts/fix.ts", "--out", "fix.md"], { cwd: repo });
    expect(run.code).toBe(1);
    // Line 4 of each file, though the bundle puts them elsewhere (and types are gone).
    expect(run.stderr).toMatch(/at check \(repo:scripts\/_lib\/plans\.ts:4:9\)/);
    expect(run.stderr).toMatch(/repo:scripts\/fix\.ts:4:\d+/);
    const { frontMatter, body } = await readLog("fix.md");
    expect(frontMatter.status).toBe("failed");
    expect(body).toMatch(/at check \(repo:scripts\/_lib\/plans\.ts:4:9\)/);
  });

  it("an SDK script's error in run() names its line too", async () => {
    await write(
      "scripts/sdk.ts",
      [
        'import { defineScript } from "chorebot";',
        "",
        "export default defineScript({",
        "  async run() {",
        '    throw new Error("no rows");',
        "  },",
        "});",
        "",
      ].join("\n"),
    );
    const run = await chorebot(["run", "scripts/sdk.ts", "--out", "sdk.md"], { cwd: repo });
    expect(run.code).toBe(1);
    expect((await readLog("sdk.md")).body).toMatch(/Error: no rows\n.*\n?.*at Object\.run \(repo:scripts\/sdk\.ts:5:11\)/);
  });

  it("a package missing from SCRIPT_CWD names SCRIPT_CWD and the ways to fix it", async () => {
    await write("scripts/pad.ts", 'import pad from "left-pad";\nconsole.log(pad("x", 3));\n');
    const run = await chorebot(["run", "scripts/pad.ts", "--out", "pad.md"], { cwd: repo, env: { SCRIPT_CWD: app } });
    expect(run.code).toBe(1);
    const said =
      `Error: Cannot find package 'left-pad': packages are looked up from SCRIPT_CWD=${app} (the production app's folder); ` +
      "run from the app's folder, set SCRIPT_CWD to it, or `npm install left-pad` there (exited with code 1)";
    expect(run.stderr).toContain(`chorebot: scripts/pad.ts failed (${said})`);
    expect((await readLog("pad.md")).frontMatter.message).toBe(said);

    // Once it is there, the same run works: the hint was about the right folder.
    await mkdir(join(app, "node_modules", "left-pad"), { recursive: true });
    await writeFile(join(app, "node_modules", "left-pad", "package.json"), JSON.stringify({ name: "left-pad", type: "module", exports: "./index.js" }));
    await writeFile(join(app, "node_modules", "left-pad", "index.js"), "export default (s, n) => String(s).padStart(n);\n");
    const fixed = await chorebot(["run", "scripts/pad.ts", "--out", "pad.md"], { cwd: repo, env: { SCRIPT_CWD: app } });
    expect(fixed).toMatchObject({ code: 0, stdout: "  x\n" });
  });
});

// An SDK script that floods the report channel, then reports at a steady pace, printing a line
// now and then, and puts a secret everywhere it can.
const COUNT_SCRIPT = `import { defineScript } from "chorebot";

export default defineScript({
  async run({ progress, counter, log }) {
    for (let i = 0; i < 1_000_000; i++) progress({ done: 0, total: 2000 });
    for (let i = 1; i <= 2000; i++) {
      progress({ done: i, total: 2000 });
      counter.inc("rows");
      if (i % 500 === 0) {
        console.log(\`line \${i}\`);
        log("token " + process.env.API_TOKEN);
        counter.set("seen " + process.env.API_TOKEN, i);
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    return { rows: 2000, token: process.env.API_TOKEN };
  },
});
`;
const SECRET = "tok-1234567890";

describe("chorebot run: where local run logs go", () => {
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" }).trim();

  it("each run's log goes to .chorebot/runs/, which git ignores, never to the bot's logs/", async () => {
    await write("scripts/hello.ts", 'console.log("hi");\n');
    git("init", "-q");
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "start");
    const head = git("rev-parse", "HEAD");
    const paths: string[] = [];
    for (let i = 0; i < 2; i++) {
      const run = await chorebot(["run", "scripts/hello.ts"], { cwd: repo });
      expect(run.code).toBe(0);
      paths.push(relative(repo, run.stderr.match(/log written to (.+\.md)\n$/)![1]!));
    }
    // One file per run, named by the script and the run's time.
    expect(paths[0]).toMatch(/^\.chorebot\/runs\/hello\.ts-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.md$/);
    expect(new Set(paths).size).toBe(2);
    for (const path of paths) expect((await readLog(path)).frontMatter).toMatchObject({ script: "scripts/hello.ts", commit: head, status: "succeeded" });
    await expect(readFile(join(repo, "logs"))).rejects.toMatchObject({ code: "ENOENT" });
    // Ignored without the repository's .gitignore saying so: only the script is untracked.
    expect(git("status", "--porcelain", "--untracked-files=all")).toBe("?? scripts/hello.ts");
    expect(git("check-ignore", paths[0]!)).toBe(paths[0]);
  });

  it("a .chorebot/.gitignore of the person's own is left as it is; --out still writes where it says", async () => {
    await write("scripts/hello.ts", 'console.log("hi");\n');
    await mkdir(join(repo, ".chorebot"));
    await writeFile(join(repo, ".chorebot", ".gitignore"), "runs/\n");
    const run = await chorebot(["run", "scripts/hello.ts", "--out", "mine/hello.md"], { cwd: repo });
    expect(run.stderr).toMatch(new RegExp(`log written to ${join(repo, "mine", "hello.md")}\\n$`));
    expect(await readFile(join(repo, ".chorebot", ".gitignore"), "utf8")).toBe("runs/\n");
    await chorebot(["run", "scripts/hello.ts"], { cwd: repo });
    expect(await readFile(join(repo, ".chorebot", ".gitignore"), "utf8")).toBe("runs/\n");
  });
});

describe("chorebot run: progress, counters and the result, live", () => {
  it("not on a terminal: plain lines at most once a second each, the last state and the result at the end, secrets redacted", async () => {
    await write("scripts/count.ts", COUNT_SCRIPT);
    const started = performance.now();
    const run = await chorebot(["run", "scripts/count.ts", "--out", "count.md"], { cwd: repo, env: { SCRIPT_ENV: "API_TOKEN", API_TOKEN: SECRET } });
    const seconds = (performance.now() - started) / 1000;
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("line 500\nline 1000\nline 1500\nline 2000\n");
    const lines = run.stderr.split("\n");
    const progress = lines.filter((l) => l.startsWith("[progress]"));
    const counters = lines.filter((l) => l.startsWith("[counters]"));
    // A million reports and two thousand steps: a line a second at most (plus the first and the last).
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.length).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
    expect(counters.length).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
    for (const line of progress) expect(line).toMatch(/^\[progress\] \d+\/2000 \d+%( ETA (\d+s|\d+m \d\ds))?$/);
    expect(progress.at(-1)).toBe("[progress] 2000/2000 100%");
    expect(counters.at(-1)).toBe("[counters] rows=2000 seen [REDACTED]=2000");
    expect(lines.filter((l) => l.startsWith("[log]"))).toEqual(Array(4).fill("[log] token [REDACTED]"));
    expect(lines).toContain('[result] {"rows":2000,"token":"[REDACTED]"}');
    // The result comes after the last progress, before the summary.
    expect(lines.indexOf('[result] {"rows":2000,"token":"[REDACTED]"}')).toBeGreaterThan(lines.lastIndexOf(progress.at(-1)!));
    expect(run.stderr).toMatch(/\[result\] .*\n\nchorebot: scripts\/count\.ts succeeded/);
    expect(run.stderr + run.stdout).not.toContain(SECRET);
    expect(run.stderr).not.toContain("\x1b");
  });

  const hasScript = (() => {
    try {
      execFileSync("script", ["--version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!hasScript)(
    "on a terminal (script -qc): one redrawn bar with percent and ETA, cleared before the script's lines, then the final state",
    async () => {
      await write("scripts/count.ts", COUNT_SCRIPT);
      const command = `stty cols 100; exec ${process.execPath} ${CLI} run scripts/count.ts --out count.md`;
      const run = await chorebot([], { cwd: repo, env: { SCRIPT_ENV: "API_TOKEN", API_TOKEN: SECRET }, command: ["script", "-qec", command, "/dev/null"] });
      expect(run.code).toBe(0);
      const screen = run.stdout;
      const bars = screen.match(/\r\x1b\[K\[[█░]{20}\] \d+\/2000 \d+%[^\r\n]*/g) ?? [];
      expect(bars.length).toBeGreaterThan(1);
      expect(bars.some((b) => / ETA (\d+s|\d+m \d\ds) · rows=\d+/.test(b))).toBe(true);
      // Never wider than the terminal: it must not wrap.
      for (const b of bars) expect([...b.slice(3)].length).toBeLessThan(100);
      // The script's own lines start on a cleared line, never after a bar.
      for (const i of [500, 1000, 1500, 2000]) expect(screen).toMatch(new RegExp(`(\\x1b\\[K|\\n)line ${i}\\r?\\n`));
      // (on a cleared bar, or after a script line that already cleared it)
      expect(screen).toMatch(/(\r\x1b\[K|\n)\[progress\] 2000\/2000 100%\r?\n\[counters\] rows=2000 seen \[REDACTED\]=2000\r?\n/);
      expect(screen).not.toContain(SECRET);
    },
  );
});
