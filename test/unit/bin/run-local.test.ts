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

  it("still runs a helper there with the helper warning, as from the root", async () => {
    const warnings: string[] = [];
    const local = await run(join(repo, "scripts", "_lib"), "helper.ts", warnings);
    expect(local.execution.status).toBe("succeeded");
    expect(warnings).toEqual([expect.stringMatching(/^helper\.ts is not an entry script/)]);
  });
});
