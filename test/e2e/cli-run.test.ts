import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";

// `chorebot run` with the built binary, as a person runs it: what the terminal shows, where the log goes.
const CLI = fileURLToPath(new URL("../../dist/bin/cli.js", import.meta.url));

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function chorebot(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}

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
