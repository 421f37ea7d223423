import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { generateAppKey } from "../helpers/app-key.js";
import { freePort, startRedis, type TestRedis } from "../helpers/redis-server.js";

// No Docker engine runs in CI, so the Dockerfile is replayed: each instruction of each stage is
// carried out in a temp directory standing for the stage's file system, the build stage's RUN
// lines with the real npm, and the app is then started from exactly what the final stage
// copies. A runtime package left in devDependencies, a file the image forgets or a CMD that
// does not start fails here. What cannot be replayed (the base image's OS, USER) is not.

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

interface Stage {
  name: string | null;
  image: string;
  instructions: Instruction[];
}

type Instruction =
  | { op: "WORKDIR"; path: string }
  | { op: "COPY"; from: string | null; sources: string[]; dest: string }
  | { op: "RUN"; command: string }
  | { op: "ENV"; values: Record<string, string> }
  | { op: "CMD"; args: string[] }
  | { op: "USER" | "EXPOSE"; value: string };

/**
 * The stages of a Dockerfile, for the instructions this one uses. Anything else (ADD, ARG,
 * ENTRYPOINT, a shell-form CMD, COPY flags other than --from …) is an error, so a change to the
 * Dockerfile that the replay would silently get wrong makes this test fail until it learns it.
 */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  // Backslash continuations join lines; comments and blank lines go (a `# syntax=` directive too).
  const logical = text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  for (const line of logical) {
    const match = /^([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!match) throw new Error(`Dockerfile: cannot read "${line}"`);
    const op = match[1]!.toUpperCase();
    const rest = match[2]!.trim();
    if (op === "FROM") {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!from) throw new Error(`Dockerfile: FROM ${rest}: expected "FROM image [AS name]"`);
      stages.push({ image: from[1]!, name: from[2] ?? null, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`Dockerfile: ${op} before any FROM`);
    switch (op) {
      case "WORKDIR":
        stage.instructions.push({ op, path: rest });
        break;
      case "COPY": {
        const words = rest.split(/\s+/);
        let from: string | null = null;
        while (words[0]?.startsWith("--")) {
          const flag = words.shift()!;
          if (!flag.startsWith("--from=")) throw new Error(`Dockerfile: COPY ${flag} is not replayed; teach test/e2e/dockerfile.test.ts`);
          from = flag.slice("--from=".length);
        }
        if (words.length < 2 || words.some((word) => word.startsWith("["))) throw new Error(`Dockerfile: COPY ${rest}: expected sources and a destination`);
        stage.instructions.push({ op, from, sources: words.slice(0, -1), dest: words.at(-1)! });
        break;
      }
      case "RUN":
        stage.instructions.push({ op, command: rest });
        break;
      case "ENV": {
        const values: Record<string, string> = {};
        for (const pair of rest.split(/\s+/)) {
          const eq = pair.indexOf("=");
          if (eq <= 0 || /["'$]/.test(pair)) throw new Error(`Dockerfile: ENV ${rest}: expected NAME=value pairs without quotes or expansions`);
          values[pair.slice(0, eq)] = pair.slice(eq + 1);
        }
        stage.instructions.push({ op, values });
        break;
      }
      case "CMD": {
        let args: unknown;
        try {
          args = JSON.parse(rest);
        } catch {
          args = null;
        }
        if (!Array.isArray(args) || !args.every((arg) => typeof arg === "string"))
          throw new Error(`Dockerfile: CMD ${rest}: only the exec (JSON) form is replayed`);
        stage.instructions.push({ op, args: args });
        break;
      }
      case "USER":
      case "EXPOSE":
        stage.instructions.push({ op, value: rest });
        break;
      default:
        throw new Error(`Dockerfile: ${op} is not replayed; teach test/e2e/dockerfile.test.ts what it does`);
    }
  }
  return stages;
}

/** .dockerignore as a predicate over context-relative paths; plain names and `*` globs, no `!`. */
async function readDockerignore(): Promise<(path: string) => boolean> {
  const file = join(ROOT, ".dockerignore");
  if (!existsSync(file)) return () => false;
  const patterns = (await readFile(file, "utf8"))
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const regexes = patterns.map((pattern) => {
    if (pattern.startsWith("!")) throw new Error(`.dockerignore: exceptions (${pattern}) are not replayed`);
    const body = pattern
      .replace(/^\/+|\/+$/g, "")
      .split("/")
      .map((part) =>
        part === "**"
          ? ".*"
          : part
              .split("*")
              .map((piece) => piece.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
              .join("[^/]*"),
      )
      .join("/");
    // A pattern names a path and everything under it.
    return new RegExp(`^${body}(/.*)?$`);
  });
  return (path) => regexes.some((regex) => regex.test(path));
}

interface Replayed {
  final: { dir: string; env: Record<string, string>; cmd: string[] };
  /** Milliseconds each RUN took. */
  timings: Record<string, number>;
}

/**
 * Carries out every stage, each in a directory standing for its root file system (absolute
 * paths land under it), and returns the final stage's WORKDIR, ENV and CMD.
 */
async function replay(stages: Stage[], scratch: string): Promise<Replayed> {
  const ignored = await readDockerignore();
  const roots = new Map<string, string>();
  const timings: Record<string, number> = {};
  let final: Replayed["final"] | null = null;
  for (const [index, stage] of stages.entries()) {
    // The replay runs on this machine's Node: the image must be the same major version.
    const major = /^node:(\d+)/.exec(stage.image)?.[1];
    expect(major, `FROM ${stage.image}: the replay runs on node ${process.versions.node}`).toBe(process.versions.node.split(".")[0]);
    const root = join(scratch, `stage-${index}`);
    const env: Record<string, string> = {};
    let workdir = "/";
    let cmd: string[] | null = null;
    const inStage = (path: string): string => join(root, resolve(workdir, path));
    for (const instruction of stage.instructions) {
      switch (instruction.op) {
        case "WORKDIR":
          workdir = resolve(workdir, instruction.path);
          await mkdir(inStage("."), { recursive: true });
          break;
        case "ENV":
          Object.assign(env, instruction.values);
          break;
        case "COPY": {
          const dest = inStage(instruction.dest);
          const intoDir = instruction.dest.endsWith("/") || instruction.sources.length > 1;
          for (const source of instruction.sources) {
            let from: string;
            if (instruction.from === null) {
              from = resolve(ROOT, source);
              if (relative(ROOT, from).startsWith("..")) throw new Error(`COPY ${source}: outside the build context`);
            } else {
              const other = roots.get(instruction.from);
              if (other === undefined) throw new Error(`COPY --from=${instruction.from}: no such stage before this one`);
              from = join(other, resolve("/", source));
            }
            if (!existsSync(from)) throw new Error(`COPY ${source}: not found (${from})`);
            // A directory's contents go to the destination, as Docker copies them; a file goes into it or to it.
            const to = (await stat(from)).isDirectory() || !intoDir ? dest : join(dest, basename(from));
            await mkdir(dirname(to), { recursive: true });
            await cp(from, to, {
              recursive: true,
              verbatimSymlinks: true,
              filter: (path) => instruction.from !== null || !ignored(relative(ROOT, path).split(sep).join("/")),
            });
          }
          break;
        }
        case "RUN": {
          const started = performance.now();
          // npm from this machine's cache, as a Docker layer cache would; audit and fund are network chatter.
          await run("sh", ["-c", instruction.command], {
            cwd: inStage("."),
            env: {
              ...baseEnv(),
              ...env,
              npm_config_prefer_offline: "true",
              npm_config_audit: "false",
              npm_config_fund: "false",
              npm_config_update_notifier: "false",
            },
          });
          timings[`${stage.name ?? index}: ${instruction.command}`] = Math.round(performance.now() - started);
          break;
        }
        case "CMD":
          cmd = instruction.args;
          break;
        case "USER":
        case "EXPOSE":
          // The user does not exist here; the port is what PORT says.
          break;
      }
    }
    roots.set(stage.name ?? String(index), root);
    if (index === stages.length - 1) {
      if (cmd === null) throw new Error("Dockerfile: the final stage has no CMD");
      final = { dir: inStage("."), env, cmd };
    }
  }
  return { final: final!, timings };
}

function baseEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" };
}

async function run(command: string, args: string[], options: { cwd: string; env: Record<string, string> }): Promise<string> {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} in ${options.cwd} exited with ${code}:\n${output}`);
  return output;
}

/** The image's command, `node` being this machine's (the image's is the same major version). */
function spawnCmd(cmd: string[], extraArgs: string[], o: { cwd: string; env: Record<string, string> }): { child: ChildProcess; output: () => string } {
  const [command, ...args] = cmd;
  const child = spawn(command === "node" ? process.execPath : command!, [...args, ...extraArgs], { ...o, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function waitForHealth(port: number, child: ChildProcess, output: () => string): Promise<{ status: string }> {
  const deadline = performance.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the app exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      if (response.status === 200) return (await response.json()) as { status: string };
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error(`no healthy /health within 30 s:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  await once(child, "exit");
}

describe("the Dockerfile, replayed", () => {
  let scratch: string;
  let image: Replayed;
  let redis: TestRedis;
  let replayMs: number;

  beforeAll(async () => {
    // Not under the repository: nothing of its node_modules may be found by walking up.
    scratch = await mkdtemp(join(tmpdir(), "chorebot-image-"));
    for (let dir = scratch; dir !== dirname(dir); dir = dirname(dir)) {
      expect(existsSync(join(dirname(dir), "node_modules")), `${dirname(dir)}/node_modules would hide a missing package`).toBe(false);
    }
    const started = performance.now();
    image = await replay(parseDockerfile(await readFile(join(ROOT, "Dockerfile"), "utf8")), scratch);
    replayMs = Math.round(performance.now() - started);
    redis = await startRedis();
  }, 240_000);

  afterAll(async () => {
    await redis?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("builds an image holding only what runs, without dev dependencies", async () => {
    console.log(`Dockerfile replayed in ${replayMs} ms`, image.timings);
    const files = await readdir(image.final.dir);
    expect(files.sort()).toEqual(expect.arrayContaining(["dist", "node_modules", "package.json"]));
    expect(files).not.toContain("src");
    // What the lockfile marks dev-only (devDependencies and what only they need) must be gone;
    // a devDependency that a runtime package also needs stays, as npm keeps it.
    const lock = JSON.parse(await readFile(join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages).filter(([path, entry]) => entry.dev === true && path.startsWith("node_modules/"));
    expect(devOnly.map(([path]) => path)).toContain("node_modules/vitest");
    const left = devOnly.map(([path]) => path).filter((path) => existsSync(join(image.final.dir, path)));
    expect(left).toEqual([]);
  });

  it("starts with the image's CMD and answers /health with Redis up", async () => {
    const port = await freePort();
    const app = spawnCmd(image.final.cmd, [], {
      cwd: image.final.dir,
      env: {
        ...baseEnv(),
        ...image.final.env,
        APP_ID: "1",
        PRIVATE_KEY: generateAppKey(),
        WEBHOOK_SECRET: "image-test-webhook-secret",
        REDIS_URL: redis.url,
        PORT: String(port),
        HOST: "127.0.0.1",
      },
    });
    try {
      expect(image.final.env.NODE_ENV).toBe("production");
      expect(await waitForHealth(port, app.child, app.output)).toMatchObject({ status: "ok" });
      expect((await fetch(`http://127.0.0.1:${port}/ping`)).status).toBe(200);
    } finally {
      await stop(app.child);
    }
  });

  it("runs compose.yaml's web and worker commands from the image", async () => {
    // compose.yaml's services run the same image with their own command and environment.
    const compose = parseYaml(await readFile(join(ROOT, "compose.yaml"), "utf8"), { merge: true }) as {
      services: Record<string, { command?: string[]; environment?: Record<string, string> }>;
    };
    const port = await freePort();
    const env = {
      ...baseEnv(),
      ...image.final.env,
      APP_ID: "1",
      PRIVATE_KEY: generateAppKey(),
      WEBHOOK_SECRET: "image-test-webhook-secret",
      PORT: String(port),
      HOST: "127.0.0.1",
      SCRIPT_CWD: image.final.dir,
    };
    const services = ["web", "worker"].map((name) => {
      const service = compose.services[name];
      expect(service?.command, `compose.yaml: services.${name}.command`).toBeDefined();
      // Its own settings, but the test's Redis and port (compose's redis://redis:6379 is a service name).
      return spawnCmd(service!.command!, [], { cwd: image.final.dir, env: { ...(service!.environment ?? {}), ...env, REDIS_URL: redis.url } });
    });
    const [web, worker] = services as [ReturnType<typeof spawnCmd>, ReturnType<typeof spawnCmd>];
    try {
      expect(await waitForHealth(port, web.child, web.output)).toMatchObject({ status: "ok" });
      // The worker serves no HTTP: it says when its workers are up.
      const deadline = performance.now() + 30_000;
      while (!/workers started/.test(worker.output())) {
        if (worker.child.exitCode !== null) throw new Error(`the worker exited with ${worker.child.exitCode}:\n${worker.output()}`);
        if (performance.now() > deadline) throw new Error(`the worker did not start within 30 s:\n${worker.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      // The web process runs no workers: only one process started workers.
      expect(web.output()).not.toMatch(/workers started/);
    } finally {
      await Promise.all(services.map((service) => stop(service.child)));
    }
  });

  it("runs a script with the SDK from the image with `chorebot run`", async () => {
    // As `docker run -v ./scripts:/app/scripts chorebot node dist/bin/cli.js run scripts/…`.
    await mkdir(join(image.final.dir, "scripts"), { recursive: true });
    await writeFile(
      join(image.final.dir, "scripts", "image-check.ts"),
      'import { log } from "chorebot";\nconst n: number = 6 * 7;\nconsole.log(`answer ${n}`);\nlog("from the SDK");\n',
    );
    const [node, cli] = image.final.cmd;
    const local = spawnCmd([node!, cli!], ["run", "scripts/image-check.ts", "--out", "image-check.md"], {
      cwd: image.final.dir,
      env: { ...baseEnv(), ...image.final.env },
    });
    const [code] = (await once(local.child, "exit")) as [number | null];
    expect(code, local.output()).toBe(0);
    expect(local.output()).toContain("answer 42");
    const log = parseRunLog(await readFile(join(image.final.dir, "image-check.md"), "utf8"));
    expect(log.frontMatter.status).toBe("succeeded");
  });
});
