import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UsageError } from "../../../src/bin/command.js";
import { runLocal } from "../../../src/bin/run-local.js";
import { loadRunnerConfig } from "../../../src/config.js";

let repo: string;
beforeEach(async () => {
  repo = await realpath(await mkdtemp(join(tmpdir(), "chorebot-run-local-")));
  await mkdir(join(repo, "scripts", "_lib"), { recursive: true });
  await writeFile(join(repo, "scripts", "hello.ts"), 'console.log("hi");\n');
  await writeFile(join(repo, "scripts", "_lib", "helper.ts"), 'console.log("helper");\n');
  execFileSync("git", ["init", "-q"], { cwd: repo });
});
afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

const run = (root: string, file: string, warnings: string[] = []) =>
  runLocal({ file, root, out: join(repo, "out.md"), config: loadRunnerConfig({}), onLine: () => {}, warn: (message) => warnings.push(message) });

describe("runLocal from below the repository root", () => {
  it("refuses an entry script of the repository, saying to run from the root, and writes no log", async () => {
    await expect(run(join(repo, "scripts"), "hello.ts")).rejects.toThrow(UsageError);
    await expect(run(join(repo, "scripts"), "hello.ts")).rejects.toThrow(
      `hello.ts is the entry script scripts/hello.ts of the repository at ${repo}: run chorebot from the repository root (cd .. && chorebot run scripts/hello.ts)`,
    );
    expect(await readdir(repo)).not.toContain("out.md");
    expect(await readdir(join(repo, "scripts"))).not.toContain(".chorebot");
  });

  it("refuses a chore of the repository the same way", async () => {
    await mkdir(join(repo, "chores"));
    await writeFile(join(repo, "chores", "tidy.ts"), 'console.log("tidy");\n');
    await expect(run(join(repo, "chores"), "tidy.ts")).rejects.toThrow(
      `tidy.ts is the chore chores/tidy.ts of the repository at ${repo}: run chorebot from the repository root (cd .. && chorebot run chores/tidy.ts)`,
    );
  });

  it("still runs a helper there with the helper warning, as from the root", async () => {
    const warnings: string[] = [];
    const local = await run(join(repo, "scripts", "_lib"), "helper.ts", warnings);
    expect(local.execution.status).toBe("succeeded");
    expect(warnings).toEqual([expect.stringMatching(/^helper\.ts is not an entry script/)]);
  });
});

describe("runLocal and a script's env", () => {
  // Set in this process by the test, so the allowlist has something to pass on or hold back.
  const names = { given: `CHOREBOT_TEST_GIVEN_${process.pid}`, held: `CHOREBOT_TEST_HELD_${process.pid}` };
  beforeEach(() => {
    process.env[names.given] = "given-value-1234";
    process.env[names.held] = "held-value-5678";
  });
  afterEach(() => {
    delete process.env[names.given];
    delete process.env[names.held];
  });
  const chore = (env: string[]) =>
    [
      'import { defineScript } from "chorebot";',
      `export default defineScript({ env: ${JSON.stringify(env)}, run() { console.log(Object.keys(process.env).filter((k) => k.startsWith("CHOREBOT_TEST_")).join(",")); } });`,
      "",
    ].join("\n");
  const runWith = (file: string, scriptEnv: string, warnings: string[] = [], lines: string[] = []) =>
    runLocal({
      file,
      root: repo,
      out: join(repo, "out.md"),
      config: loadRunnerConfig({ SCRIPT_ENV: scriptEnv }, () => {}),
      onLine: (line) => lines.push(line.text),
      warn: (message) => warnings.push(message),
    });

  it("refuses a script whose env asks for variables SCRIPT_ENV does not allow, naming them, and writes no log", async () => {
    await mkdir(join(repo, "chores"));
    await writeFile(join(repo, "chores", "rotate.ts"), chore([names.given, "STRIPE_KEY", "API_TOKEN"]));
    const refused = runWith("chores/rotate.ts", names.given);
    await expect(refused).rejects.toThrow(UsageError);
    await expect(runWith("chores/rotate.ts", names.given)).rejects.toThrow(
      "chores/rotate.ts: the script's env asks for STRIPE_KEY and API_TOKEN, which SCRIPT_ENV does not allow: add them to SCRIPT_ENV or take them out of the script's env",
    );
    expect(await readdir(repo)).not.toContain("out.md");
  });

  it("runs a chore as production would, without the helper warning, giving it only the variables its env asks for", async () => {
    await mkdir(join(repo, "chores"));
    await writeFile(join(repo, "chores", "rotate.ts"), chore([names.given]));
    const warnings: string[] = [];
    const lines: string[] = [];
    const local = await runWith("chores/rotate.ts", `${names.given},${names.held}`, warnings, lines);
    expect(local.execution.status).toBe("succeeded");
    expect(lines).toEqual([names.given]);
    expect(warnings).toEqual([]);
  });

  it("gives a script without env every SCRIPT_ENV variable", async () => {
    await writeFile(join(repo, "scripts", "all.ts"), 'console.log(Object.keys(process.env).filter((k) => k.startsWith("CHOREBOT_TEST_")).sort().join(","));\n');
    const lines: string[] = [];
    const local = await runWith("scripts/all.ts", `${names.given},${names.held}`, [], lines);
    expect(local.execution.status).toBe("succeeded");
    expect(lines).toEqual([[names.given, names.held].sort().join(",")]);
  });
});
