import { execFileSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/**
 * How every process a script starts is made to end with its run (the lifeline's watcher
 * does the killing, see lifeline.ts):
 * - "pid-namespace": the script runs in a PID namespace of its own whose init is the
 *   watcher; when the watcher exits, the kernel kills every process in it, whatever they
 *   did (setsid, double forks, nohup, a scrubbed environment). The script sees the
 *   namespace: small pids, a parent pid of 0, only its own processes in /proc, and it
 *   cannot signal processes outside it.
 * - "marker-sweep": where namespaces are not allowed (not root, Docker's default seccomp),
 *   the script's environment carries a random MARKER_ENV and the watcher kills every process
 *   whose /proc/<pid>/environ still has it. Best effort: a process started with another
 *   environment, or whose environ it cannot read (another user, not dumpable), escapes.
 */
export type Containment = "pid-namespace" | "marker-sweep";

/** The variable carrying a run's marker in the marker-sweep mode. */
export const MARKER_ENV = "CHOREBOT_RUN";

// `marker-sweep` uses the sweep where a namespace would work: for scripts that must signal
// the host's processes, and for tests of the fallback. `auto` (the default) probes.
const SETTING = "SCRIPT_CONTAINMENT";

interface Tools {
  unshare: string;
  nsenter: string;
}

let chosen: { mode: Containment; tools: Tools | null } | undefined;

/** The mechanism this process uses, chosen once (the probe takes a few milliseconds). */
export function containment(): Containment {
  return choose().mode;
}

/**
 * The command line that runs `script` contained as `mode`, with `around` (the lifeline's
 * shell) wrapped around it. For a namespace, the outer `unshare --pid` puts what the shell
 * forks in a new namespace: the watcher first, so it is its init. The shell then execs
 * nsenter, which forks the script into it and waits, then exits or dies exactly as the
 * script did: the runner sees its exit code or signal. (node cannot run in the outer
 * process itself: a process whose children go to another namespace cannot start threads.
 * `unshare --fork` would wait the same way, but util-linux before 2.40 exits 1 when the
 * child dies of SIGKILL.) Signals for the script go through the watcher (`term`), never to
 * nsenter. `--mount-proc` gives the script a /proc that matches its pids.
 */
export function contain(mode: Containment, script: readonly string[], around: (script: string[]) => string[]): string[] {
  if (mode === "marker-sweep") return around([...script]);
  const tools = choose().tools;
  if (tools === null) throw new Error("PID namespaces are not available on this host");
  return [tools.unshare, "--pid", "--", ...around([...inside(tools), ...script])];
}

function choose(): { mode: Containment; tools: Tools | null } {
  if (chosen) return chosen;
  const setting = process.env[SETTING] ?? "auto";
  if (setting !== "auto" && setting !== "marker-sweep") throw new Error(`${SETTING} is invalid: "${setting}" is not auto or marker-sweep`);
  const unshare = findOnPath("unshare");
  const nsenter = findOnPath("nsenter");
  const tools = setting === "auto" && unshare !== null && nsenter !== null && probe({ unshare, nsenter }) ? { unshare, nsenter } : null;
  chosen = { mode: tools === null ? "marker-sweep" : "pid-namespace", tools };
  return chosen;
}

/**
 * Whether the namespace's command line works here: its script runs as pid 2 of a new
 * namespace, after a placeholder init (a namespace is only usable once its init exists; the
 * placeholder outlives the probe by a few seconds).
 */
function probe(tools: Tools): boolean {
  try {
    const out = execFileSync(
      tools.unshare,
      ["--pid", "--", "/bin/sh", "-c", 'sleep 5 >/dev/null 2>&1 & exec "$@"', "probe", ...inside(tools), "/bin/sh", "-c", "echo $$"],
      { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 5000 },
    );
    return out.trim() === "2";
  } catch {
    return false;
  }
}

/** What forks the script into the namespace (its pid_for_children) and gives it its own /proc. */
function inside({ unshare, nsenter }: Tools): string[] {
  return [nsenter, "--pid=/proc/self/ns/pid_for_children", "--", unshare, "--mount-proc", "--propagation", "slave", "--"];
}

function findOnPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // Not here.
    }
  }
  return null;
}
