import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";

/** A value no other process on this machine has in its environment or arguments. */
export function uniqueToken(): string {
  return `t${randomBytes(8).toString("hex")}`;
}

/** A `sleep` argument no other process on this machine has, so its command line can be found. */
export function uniqueSleep(): string {
  return `1000.${Date.now()}${Math.floor(Math.random() * 1e6)}`;
}

/**
 * Host pids of the live processes whose environment and command line contain every one of
 * `tokens`. A zombie has neither any more, so it does not count: it is dead, and reaping it
 * is its parent's business. Processes in a PID namespace are listed by their host pids.
 */
export function livePids(...tokens: string[]): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const seen = readFileSync(`/proc/${entry}/environ`, "latin1") + readFileSync(`/proc/${entry}/cmdline`, "latin1");
      if (tokens.every((token) => seen.includes(token))) found.push(Number(entry));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

/** Polls (the death of processes that are not our children has no event) until `done`, or the deadline. */
export async function waitFor(done: () => boolean, deadlineMs: number): Promise<boolean> {
  const deadline = performance.now() + deadlineMs;
  for (;;) {
    if (done()) return true;
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Kills whatever a failed test left running. */
export function killAll(token: string): void {
  for (const pid of livePids(token)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone already.
    }
  }
}
