import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../../dist/bin/cli.js", import.meta.url));

export interface ChorebotRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node dist/bin/cli.js <args>` to its exit with exactly `env` plus PATH, collecting what it prints;
 * `command` runs something else instead (e.g. the CLI under `script` for a terminal), `onStdout` may react to output.
 */
export async function runChorebot(
  args: string[],
  options: { env: Record<string, string>; cwd?: string; command?: string[]; onStdout?: (text: string, child: ChildProcess) => void },
): Promise<ChorebotRun> {
  const [command, ...commandArgs] = options.command ?? [process.execPath, CLI, ...args];
  const child = spawn(command!, commandArgs, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? "", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    options.onStdout?.(stdout, child);
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}

/** `chorebot <args>` as an operator runs it against the server at `appUrl`, logged in as `login` (the dashboard's). */
export function runOperatorChorebot(appUrl: string, login: { user: string; password: string }, args: string[]): Promise<ChorebotRun> {
  return runChorebot(args, { env: { CHOREBOT_URL: appUrl, DASHBOARD_USER: login.user, DASHBOARD_PASSWORD: login.password } });
}

/** `chorebot <args>` as a person runs it in a checkout at `cwd`: their HOME, and `env` on top. */
export function runLocalChorebot(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; command?: string[]; onStdout?: (text: string, child: ChildProcess) => void },
): Promise<ChorebotRun> {
  return runChorebot(args, { ...options, env: { HOME: process.env.HOME ?? "/tmp", ...options.env } });
}

export interface ChorebotProcess {
  child: ChildProcess;
  /** Every log line the process printed (pino JSON, parsed when possible). */
  lines: Record<string, any>[];
  /** Resolves with the first log line matching, including lines already printed. */
  waitForLine(match: (line: Record<string, any>) => boolean): Promise<Record<string, any>>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Runs `node dist/bin/cli.js <args>` with exactly `env` (plus PATH/HOME), as an operator would;
 * `cli` runs another build (a previous release's, for the upgrade test).
 */
export function spawnChorebot(args: string[], env: Record<string, string>, cli = CLI): ChorebotProcess {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, any>[] = [];
  const waiters: { match: (line: Record<string, any>) => boolean; resolve: (line: Record<string, any>) => void }[] = [];
  const onLine = (text: string) => {
    let line: Record<string, any>;
    try {
      line = JSON.parse(text);
    } catch {
      line = { msg: text };
    }
    lines.push(line);
    if (process.env.CHOREBOT_E2E_VERBOSE) console.log(text);
    for (const waiter of [...waiters]) {
      if (waiter.match(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };
  createInterface({ input: child.stdout }).on("line", onLine);
  createInterface({ input: child.stderr }).on("line", onLine);
  const exited = once(child, "exit");

  return {
    child,
    lines,
    waitForLine(match) {
      const seen = lines.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ match, resolve });
        // Only the exit matters here; stop() awaits `exited` itself.
        void exited.then(() => reject(new Error(`chorebot exited before the expected line:\n${lines.map((l) => l.msg).join("\n")}`)));
      });
    },
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}
