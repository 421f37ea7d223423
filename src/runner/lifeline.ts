import { MARKER_ENV } from "./process-containment.js";

/**
 * The script's lifeline: the runner spawns it with one end of a socket pair as this fd and
 * keeps the other end. A watcher shell started next to the script reads it, and kills the
 * script and everything it started when
 * - the runner's end reaches end-of-file: the runner ended it because the run is over, or
 *   the runner's process died, however it died (SIGKILL, crash), and the kernel closed it;
 * - a deadline passes with no new one written: the worker stopped renewing its claim on the
 *   run (frozen, paused, cut off from Redis; see claim.ts). It writes FENCED back first.
 * The runner writes lines: each new deadline in seconds from now ("2.250"), or `term`, on
 * which the watcher sends SIGTERM to the script and what it started. The script's launcher
 * writes STARTED back just before it execs the script (withStartNotice): before that, in a
 * PID namespace, there is nothing to receive a SIGTERM yet (nsenter has not forked into it),
 * so the runner holds `term` until then.
 */
export const LIFELINE_FD = 3;

/** What the watcher writes back when it stops the script because its deadline passed. */
export const FENCED = "fenced";

/** What the script's launcher writes on the lifeline as it execs the script. */
export const STARTED = "started";

// The watcher is its own shell, so it reacts even while the script's main thread is blocked
// (execSync, a long synchronous loop, Atomics.wait). It costs a fork and an exec of /bin/sh
// per run, and a fork and a `sleep` per deadline; the worker thread this replaces cost a V8
// isolate per run.
// In a PID namespace (process-containment.ts) it is the namespace's init (pid 1): `kill -1`
// reaches every process in it but itself, it survives its own `kill -KILL 0`, and its exit
// makes the kernel kill every process left in the namespace. Otherwise it kills every
// process carrying the run's marker, then the process group, itself included. The sweep
// repeats while it finds live processes, since one may fork while it looks (dead ones and
// its own grep are listed too: `kill` fails for them).
// It ignores the SIGTERM of a timeout: it must outlive the script's grace.
// `$1`: seconds to the first deadline, or empty when the run has none.
const WATCHER = `
trap '' TERM INT HUP PIPE
finish() {
  if [ $$ = 1 ]; then kill -KILL 0; exit 0; fi
  sweep
  kill -KILL 0
}
sweep() {
  [ -n "$${MARKER_ENV}" ] || return 0
  rounds=0
  while [ $rounds -lt 10 ]; do
    rounds=$((rounds + 1)); killed=
    for f in $(grep -lsF "${MARKER_ENV}=$${MARKER_ENV}" /proc/[0-9]*/environ); do
      p=\${f#/proc/}; p=\${p%/environ}
      if [ "$p" != $$ ] && kill -KILL "$p" 2>/dev/null; then killed=1; fi
    done
    [ -n "$killed" ] || return 0
  done
}
alarm=
arm() {
  [ -z "$alarm" ] || kill -USR2 "$alarm" 2>/dev/null
  (s=; trap 'kill -KILL $s 2>/dev/null; exit' USR2; sleep "$1" & s=$!; wait $s; kill -USR1 $$) &
  alarm=$!
}
trap 'echo ${FENCED} >&${LIFELINE_FD}; finish' USR1
[ -z "$1" ] || arm "$1"
while read -r line <&${LIFELINE_FD}; do
  case $line in
    term) if [ $$ = 1 ]; then kill -TERM -1; else kill -TERM 0; fi 2>/dev/null ;;
    *) arm "$line" ;;
  esac
done
finish
`;

/**
 * The command line that runs `script` (a command line) tied to the runner through the
 * lifeline on fd 3, with exactly the environment it is spawned with (the shell would add
 * PWD). `firstDeadlineMs` is from now, or null when only the end of the lifeline stops it.
 */
export function withLifeline(script: readonly string[], env: Readonly<Record<string, string>>, firstDeadlineMs: number | null): string[] {
  // The shell forks the watcher first, then execs the script, which keeps the shell's pid
  // and its process group. Node marks inherited descriptors 0-15 close-on-exec at startup
  // (uv_disable_stdio_inheritance), so what the script spawns does not inherit the lifeline
  // unless it asks for fd 3 explicitly.
  const exec = execAs(env);
  const deadline = firstDeadlineMs === null ? "" : deadlineLine(firstDeadlineMs).trim();
  return ["/bin/sh", "-c", `/bin/sh -c "$1" chorebot-watcher "$2" & shift 2; ${exec}`, "chorebot-run", WATCHER, deadline, ...script];
}

/**
 * The command line that runs `script` (a command line) after writing STARTED on the
 * lifeline, from where it runs: inside the PID namespace, if any. The shell execs the
 * script, which keeps its pid.
 */
export function withStartNotice(script: readonly string[], env: Readonly<Record<string, string>>): string[] {
  return ["/bin/sh", "-c", `echo ${STARTED} >&${LIFELINE_FD}; ${execAs(env)}`, "chorebot-start", ...script];
}

// Execs "$@" with exactly the environment the shell was given (a shell would add PWD).
function execAs(env: Readonly<Record<string, string>>): string {
  return `${"PWD" in env ? "" : "unset PWD; "}exec "$@"`;
}

/** A deadline `ms` from now, as the runner writes it on the lifeline. */
export function deadlineLine(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(3)}\n`;
}

/** Asks the watcher to send SIGTERM to the script and everything it started. */
export const TERM_LINE = "term\n";
