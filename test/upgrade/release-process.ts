import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import type { Harness } from "../e2e/harness.js";

export interface ReleaseProcess {
  /** Every log line it printed (pino JSON, parsed when possible). */
  lines: Record<string, any>[];
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Runs another release's `node <cli> start` with the harness's environment, so it serves
 * the harness's port and shares its Redis and GitHub stand-in; resolves once it listens.
 * test/e2e/chorebot-process.ts runs this checkout's build only.
 */
export async function startRelease(cli: string, h: Harness): Promise<ReleaseProcess> {
  const child = spawn(process.execPath, [cli, "start"], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...h.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, any>[] = [];
  const exited = once(child, "exit");
  const listening = new Promise<void>((resolve, reject) => {
    const onLine = (text: string) => {
      let line: Record<string, any>;
      try {
        line = JSON.parse(text);
      } catch {
        line = { msg: text };
      }
      lines.push(line);
      if (process.env.CHOREBOT_E2E_VERBOSE) console.log(`[${cli}] ${text}`);
      if (typeof line.msg === "string" && line.msg.startsWith("Listening on")) resolve();
    };
    createInterface({ input: child.stdout }).on("line", onLine);
    createInterface({ input: child.stderr }).on("line", onLine);
    exited.then(() => reject(new Error(`${cli} exited before listening:\n${lines.map((l) => l.msg).join("\n")}`)));
  });
  await listening;
  return {
    lines,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}
