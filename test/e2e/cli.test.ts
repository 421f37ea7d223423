import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { generateAppKey } from "../helpers/app-key.js";
import { freePort, startRedis } from "../helpers/redis-server.js";
import { runLocalChorebot as chorebot, spawnChorebot } from "./chorebot-process.js";

let repo: string;
beforeEach(async () => {
  repo = await mkdtemp(join(tmpdir(), "chorebot-cli-"));
  await mkdir(join(repo, "scripts", "_lib"), { recursive: true });
});
afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

async function writeScript(path: string, source: string) {
  await writeFile(join(repo, path), source);
}

async function readLog(path: string) {
  return parseRunLog(await readFile(join(repo, path), "utf8"));
}

describe("chorebot run", () => {
  it("bundles a local script with its helpers, streams its output and writes the run log", async () => {
    await writeScript("scripts/_lib/greet.ts", `export const greet = (name: string): string => "hello " + name;\n`);
    await writeScript("scripts/hello.ts", `import { greet } from "./_lib/greet.js";\nconsole.log(greet("local"));\nconsole.error("to stderr");\n`);
    const run = await chorebot(["run", "scripts/hello.ts"], { cwd: repo });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("hello local\n");
    expect(run.stderr).toContain("to stderr");
    // Not in the bot's logs/ but where local runs go (cli-run.test.ts); outside git the log's commit is "local".
    const logPath = run.stderr.match(/log written to (.+\.md)/)?.[1];
    expect(relative(repo, logPath!)).toMatch(/^\.chorebot\/runs\/hello\.ts-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.md$/);
    const { frontMatter, body } = await readLog(relative(repo, logPath!));
    expect(frontMatter).toMatchObject({ script: "scripts/hello.ts", status: "succeeded", exit_code: 0 });
    expect(body).toContain("hello local");
    expect(body).toContain('"hello " + name');
  });

  it("exits with the script's exit code and records it", async () => {
    await writeScript("scripts/three.mjs", "process.exit(3);\n");
    const run = await chorebot(["run", "scripts/three.mjs", "--out", "three.md"], { cwd: repo });
    expect(run.code).toBe(3);
    expect((await readLog("three.md")).frontMatter).toMatchObject({ status: "failed", exit_code: 3 });
  });

  it("reports a compile error with file and line, and runs nothing", async () => {
    await writeScript("scripts/broken.ts", "const ok = 1;\nconst x: number = ;\n");
    const run = await chorebot(["run", "scripts/broken.ts", "--out", "broken.md"], { cwd: repo });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/scripts\/broken\.ts:2:\d+/);
    expect((await readLog("broken.md")).frontMatter).toMatchObject({ status: "failed", exit_code: null });
  });

  it("applies the production rules: env allowlist, redaction and timeout", async () => {
    await writeScript(
      "scripts/env.ts",
      `console.log("token=" + process.env.API_TOKEN);\nconsole.log("other=" + (process.env.NOT_ALLOWED ?? "absent"));\nsetInterval(() => {}, 1000);\n`,
    );
    const run = await chorebot(["run", "scripts/env.ts", "--out", "env.md"], {
      cwd: repo,
      env: { SCRIPT_ENV: "API_TOKEN", API_TOKEN: "tok-1234567890", NOT_ALLOWED: "leak", SCRIPT_TIMEOUT: "1" },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("token=[REDACTED]\nother=absent\n");
    const { frontMatter, body } = await readLog("env.md");
    expect(frontMatter.status).toBe("timed_out");
    expect(body).not.toContain("tok-1234567890");
  });

  it("passes Ctrl-C on to the script's process group and records the run as cancelled", async () => {
    await writeScript("scripts/hang.ts", `console.log("ready");\nsetInterval(() => {}, 1000);\n`);
    let sent = false;
    const run = await chorebot(["run", "scripts/hang.ts", "--out", "hang.md"], {
      cwd: repo,
      onStdout: (text, child) => {
        if (!sent && text.includes("ready")) {
          sent = true;
          child.kill("SIGINT");
        }
      },
    });
    expect(run.code).not.toBe(0);
    expect((await readLog("hang.md")).frontMatter.status).toBe("cancelled");
  });
});

describe("chorebot run refuses what it should not run", () => {
  it("a path that does not exist (or is a folder) is a usage error, and no log is written", async () => {
    for (const path of ["scripts/nope.ts", "scripts"]) {
      const run = await chorebot(["run", path], { cwd: repo });
      expect(run).toEqual({
        code: 2,
        stdout: "",
        stderr: `chorebot run: ${path}: ${path === "scripts" ? "not a file" : "no such file"}\nRun "chorebot run --help" for its usage.\n`,
      });
    }
    await expect(readFile(join(repo, "logs"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("runs a helper, warning that production never runs it", async () => {
    await writeScript("scripts/_lib/helper.ts", `console.log("helper ran");\n`);
    const run = await chorebot(["run", "scripts/_lib/helper.ts", "--out", "helper.md"], { cwd: repo });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("helper ran\n");
    expect(run.stderr).toMatch(/^chorebot run: warning: scripts\/_lib\/helper\.ts is not an entry script .*production never runs it on its own\n/);
    const entry = await chorebot(["run", "scripts/_lib/../ok.ts", "--out", "ok.md"], { cwd: repo });
    expect(entry.stderr).toContain("no such file");
  });

  it("a SCRIPT_ENV value too short to redact is one plain warning line before the output, not a Node.js process warning", async () => {
    await writeScript("scripts/port.ts", `console.log("ran");\n`);
    const run = await chorebot(["run", "scripts/port.ts", "--out", "port.md"], { cwd: repo, env: { SCRIPT_ENV: "PGPORT", PGPORT: "5432" } });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("ran\n");
    expect(run.stderr).toMatch(
      /^chorebot run: warning: SCRIPT_ENV variable PGPORT is shorter than 6 characters[^\n]*\n\nchorebot: scripts\/port\.ts succeeded/,
    );
    expect(run.stderr).not.toMatch(/trace-warnings|Warning:|5432/);
  });

  it("unknown and repeated --input names are errors naming them, and nothing runs", async () => {
    await writeScript(
      "scripts/sdk.ts",
      `import { defineScript, int } from "chorebot";\nexport default defineScript({ inputs: { limit: int({ default: 1 }) }, run() { console.log("ran"); } });\n`,
    );
    await writeScript("scripts/plain.ts", `console.log("ran");\n`);
    const cases: [string[], string][] = [
      [["scripts/sdk.ts", "--input", "limt=5", "--input", "dry=1"], "unknown --input limt, dry: it takes limit"],
      [["scripts/sdk.ts", "--input", "limit=5", "--input", "limit=6"], "--input limit is given twice"],
      [["scripts/plain.ts", "--input", "limit=5"], "unknown --input limit: it declares no inputs"],
    ];
    for (const [args, message] of cases) {
      const run = await chorebot(["run", ...args, "--out", "x.md"], { cwd: repo });
      expect(run).toEqual({ code: 2, stdout: "", stderr: `chorebot run: ${message}\nRun "chorebot run --help" for its usage.\n` });
    }
    await expect(readFile(join(repo, "x.md"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("chorebot help, --help, --version and usage mistakes", () => {
  const COMMANDS = ["start", "worker", "run", "status", "cancel", "chores"];

  it("--help and help list every command with the settings that matter to it, exit 0", async () => {
    const runs = await Promise.all([["--help"], ["help"], ["-h"]].map((args) => chorebot(args, { cwd: repo })));
    const dashDash = runs[0]!;
    for (const help of runs) {
      expect(help).toMatchObject({ code: 0, stderr: "" });
      expect(help.stdout).toBe(dashDash.stdout);
    }
    for (const name of COMMANDS) expect(dashDash.stdout).toMatch(new RegExp(`^  chorebot ${name}\\b`, "m"));
    const runSection = dashDash.stdout.slice(dashDash.stdout.indexOf("chorebot run "), dashDash.stdout.indexOf("chorebot status "));
    for (const setting of ["SCRIPT_TIMEOUT", "SCRIPT_ENV", "SCRIPT_CWD"]) expect(runSection).toContain(setting);
  });

  it("<command> --help and help <command> show its options and settings, exit 0", async () => {
    const expected: Record<string, string[]> = {
      start: ["--no-workers", "APP_ID", "REDIS_URL", "WEBHOOK_SECRET", "SHUTDOWN_GRACE", "SCRIPT_TIMEOUT"],
      worker: ["APP_ID", "REDIS_URL", "SCRIPT_ENV", "SHUTDOWN_GRACE"],
      run: ["--input name=value", "--out", "SCRIPT_TIMEOUT", "SCRIPT_ENV", "SCRIPT_CWD"],
      status: ["--name <name>", "--repo <owner/repo>", "CHOREBOT_URL", "DASHBOARD_PASSWORD", "GH_TOKEN"],
      chores: ["--input name=value", "--name <name>", "--follow", "CHOREBOT_URL", "GH_TOKEN, GITHUB_TOKEN"],
      cancel: ["--by", "CHOREBOT_URL", "DASHBOARD_PASSWORD"],
    };
    for (const name of COMMANDS) {
      // --help wins over missing arguments and settings: it never starts anything.
      const [flag, word] = await Promise.all([chorebot([name, "--help"], { cwd: repo }), chorebot(["help", name], { cwd: repo })]);
      expect(flag).toMatchObject({ code: 0, stderr: "" });
      expect(word.stdout).toBe(flag.stdout);
      expect(flag.stdout).toMatch(new RegExp(`^Usage: chorebot ${name}\\b`));
      for (const text of expected[name]!) expect(flag.stdout, `${name} --help`).toContain(text);
    }
  }, 60_000);

  it("--version prints package.json's version", async () => {
    const { version } = JSON.parse(await readFile(fileURLToPath(new URL("../../package.json", import.meta.url)), "utf8")) as { version: string };
    expect(await chorebot(["--version"], { cwd: repo })).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
  });

  it.each([
    [["run"], "chorebot run: which script?", "run"],
    [["run", "a.ts", "b.ts"], 'chorebot run: unexpected argument "b.ts"', "run"],
    [["run", "a.ts", "--bogus"], "chorebot run: unknown option --bogus", "run"],
    [["run", "a.ts", "--out"], "chorebot run: Option '--out <value>' argument missing", "run"],
    [["start", "--workers"], "chorebot start: unknown option --workers", "start"],
    [["status"], "chorebot status: which run? (one run id, or --name <name>)", "status"],
    [["status", "--repo", "a/b"], "chorebot status: --repo goes with --name", "status"],
    [["chores"], "chorebot chores: list or run?", "chores"],
    [["chores", "list", "not-a-repo"], 'chorebot chores: "not-a-repo" is not a repository: owner/repo', "chores"],
    [["chores", "run", "a/b", "c", "--input", "novalue"], "chorebot chores: --input novalue: expected name=value", "chores"],
    [["cancel", "r1", "r2"], 'chorebot cancel: unexpected argument "r2"', "cancel"],
    [["frobnicate"], 'chorebot: unknown command "frobnicate"', null],
    [["--verbose"], "chorebot: unknown option --verbose", null],
    [["help", "frobnicate"], 'chorebot: unknown command "frobnicate"', null],
  ])("%j is one line and a hint, exit 2, nothing run", async (args, line, command) => {
    const run = await chorebot(args, { cwd: repo });
    const hint = command ? `Run "chorebot ${command} --help" for its usage.` : 'Run "chorebot --help" for the commands.';
    expect(run).toEqual({ code: 2, stdout: "", stderr: `${line}\n${hint}\n` });
  });

  it("with no command at all prints the help on stderr, exit 2", async () => {
    const run = await chorebot([], { cwd: repo });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("chorebot run <file>");
  });
});

describe("chorebot status and cancel", () => {
  it("need the dashboard's login, a server address and a server that answers, each said in one line", async () => {
    const login = { DASHBOARD_USER: "ops", DASHBOARD_PASSWORD: "dash-pass" };
    const closed = `http://127.0.0.1:${await freePort()}`;
    expect(await chorebot(["status", "r1"], { cwd: repo })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(
        /^chorebot status: set DASHBOARD_USER and DASHBOARD_PASSWORD \(the dashboard's login\), or set GH_TOKEN \(or GITHUB_TOKEN\) to a GitHub user token.*\n$/,
      ),
    });
    expect(await chorebot(["cancel", "r1"], { cwd: repo, env: { ...login, CHOREBOT_URL: "bot.example.com" } })).toMatchObject({
      code: 1,
      stderr:
        'chorebot: CHOREBOT_URL is invalid: expected an http(s) URL such as https://chorebot.example.com\nRun "chorebot cancel --help" for its settings.\n',
    });
    expect(await chorebot(["cancel", "r1", "--by", "dave"], { cwd: repo, env: { ...login, CHOREBOT_URL: `${closed}/` } })).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(new RegExp(`^chorebot cancel: could not reach ${closed}: .*ECONNREFUSED.*\n$`)),
    });
  });
});

describe("chorebot start", () => {
  it("stops naming every missing or invalid setting at once, one line each, and where to read about them", async () => {
    const run = await chorebot(["start"], { cwd: repo, env: { WEBHOOK_SECRET: "x", REDIS_URL: "redis://127.0.0.1:1", SCRIPT_TIMEOUT: "3 mins" } });
    expect(run).toMatchObject({ code: 1, stdout: "" });
    expect(run.stderr.split("\n")).toEqual([
      expect.stringMatching(/^chorebot: SCRIPT_TIMEOUT is invalid: invalid duration "3 mins"/),
      "chorebot: APP_ID is required but not set",
      "chorebot: PRIVATE_KEY (or PRIVATE_KEY_PATH) is required but not set",
      'Run "chorebot start --help" for its settings.',
      "",
    ]);
    const worker = await chorebot(["worker"], { cwd: repo, env: {} });
    expect(worker.stderr).toContain("chorebot: REDIS_URL (or REDIS_CLUSTER_NODES) is required but not set\n");
    expect(worker.stderr).toContain("chorebot: WEBHOOK_SECRET is required but not set\n");
  });

  it("reads .env in the working directory, the real environment winning, durations with units", async () => {
    const [redis, port] = await Promise.all([startRedis(), freePort()]);
    await writeFile(join(repo, ".key.pem"), generateAppKey());
    await writeFile(
      join(repo, ".env"),
      [
        `APP_ID=1`,
        `PRIVATE_KEY_PATH=${join(repo, ".key.pem")}`,
        "WEBHOOK_SECRET=from-file",
        "REDIS_URL=redis://127.0.0.1:1",
        `PORT=1`,
        "SCRIPT_TIMEOUT=3m",
        "SHUTDOWN_GRACE=2s",
      ].join("\n"),
    );
    // The file's REDIS_URL and PORT point nowhere: the environment's must win for this to start.
    let health: Promise<number> | undefined;
    try {
      const run = await chorebot(["start"], {
        cwd: repo,
        env: { REDIS_URL: redis.url, PORT: String(port), HOST: "127.0.0.1" },
        onStdout: (text, child) => {
          if (health || !text.includes("Listening on")) return;
          health = fetch(`http://127.0.0.1:${port}/health`).then((res) => res.status);
          void health.finally(() => child.kill("SIGTERM"));
        },
      });
      expect(run.stderr).toBe("");
      expect(await health).toBe(200);
      expect(run.code).toBe(0);
    } finally {
      await redis.stop();
    }
  });

  it("says the dashboard is disabled without credentials, and does not serve it", async () => {
    const [redis, port] = await Promise.all([startRedis(), freePort()]);
    const app = spawnChorebot(["start"], {
      APP_ID: "1",
      PRIVATE_KEY: generateAppKey(),
      WEBHOOK_SECRET: "x",
      REDIS_URL: redis.url,
      PORT: String(port),
      HOST: "127.0.0.1",
    });
    try {
      await app.waitForLine((line) => String(line.msg).startsWith("Listening on"));
      expect(app.lines.some((line) => String(line.msg).startsWith("dashboard disabled"))).toBe(true);
      expect((await fetch(`http://127.0.0.1:${port}/admin/queues`)).status).toBe(404);
    } finally {
      await app.stop();
      await redis.stop();
    }
  });
});
