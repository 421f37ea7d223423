/**
 * The script's lifeline: the runner spawns it with one end of a socket pair as this fd and
 * keeps the other end open, never writing to it, until the script has exited. The kernel
 * closes the runner's end when the runner's process dies, however it dies (SIGKILL, crash);
 * the watcher then reads end-of-file and kills the script's whole process group.
 */
export const LIFELINE_FD = 3;

// The watcher is a forked shell in the script's process group, blocked reading the lifeline,
// so it reacts even while the script's main thread is blocked (execSync, a long synchronous
// loop, Atomics.wait). The shell then execs node, which keeps the shell's pid: the runner
// sees node's own exit code and signal, and the script leads its process group.
// Node marks inherited descriptors 0-15 close-on-exec at startup (uv_disable_stdio_inheritance),
// so what the script spawns does not inherit the lifeline unless it asks for fd 3 explicitly.
// A shell costs about a millisecond; the worker thread this replaces cost a V8 isolate per run.
const WATCHER = `( read -r _ <&${LIFELINE_FD}; kill -KILL 0 ) &`;

/**
 * The command that runs `command args…` tied to the runner through the lifeline on fd 3,
 * with exactly the environment it is spawned with (the shell would add PWD).
 */
export function withLifeline(command: string, args: readonly string[], env: Readonly<Record<string, string>>): { command: string; args: string[] } {
  const exec = `${"PWD" in env ? "" : "unset PWD; "}exec "$0" "$@"`;
  return { command: "/bin/sh", args: ["-c", `${WATCHER} ${exec}`, command, ...args] };
}
