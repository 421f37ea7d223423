import { once } from "node:events";
import { loadRunnerConfig } from "../config.js";
import { localUserName } from "../preview/local-sign-in.js";
import { loopbackAddress } from "../preview/loopback-host.js";
import { startPreview } from "../preview/preview-server.js";
import { expectArguments, UsageError, type Command } from "./command.js";
import { runLocal } from "./run-local.js";

const DEFAULT_PORT = 3000;

/** `chorebot preview`: the chores pages over the working tree until Ctrl-C; 0 once stopped. */
async function preview(port: number, address: string): Promise<number> {
  const root = process.cwd();
  const warn = (message: string) => console.error(`chorebot preview: warning: ${message}`);
  const config = loadRunnerConfig(process.env, warn);
  let server;
  try {
    server = await startPreview({
      root,
      address,
      port,
      config,
      user: { login: localUserName(), id: 0 },
      execute: (o) => runLocal({ ...o, root, config }),
      error: (message) => console.error(`chorebot preview: ${message}`),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") throw new UsageError(`port ${port} is in use: pick another with --port N (--port 0 picks a free one)`);
    if (code === "EADDRNOTAVAIL") throw new UsageError(`${address} is not an address of this machine`);
    throw error;
  }
  console.log(`chorebot preview: the chores of ${root} at ${server.url} (Ctrl-C to stop)`);
  await Promise.race([once(process, "SIGINT"), once(process, "SIGTERM")]);
  console.error("chorebot preview: stopping (cancelling the runs under way)");
  await server.stop();
  return 0;
}

export const previewCommand: Command = {
  usage: "[--port N] [--host 127.0.0.1]",
  summary:
    "Serve the chores pages for the working tree's chores on this machine, with no GitHub, no Redis and no sign-in: see a chore's form and run it (as `chorebot run` runs a script) before opening the pull request.",
  options: { port: { type: "string" }, host: { type: "string" } },
  optionHelp: {
    "--port N": `the port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)`,
    "--host <address>": "a loopback address to listen on: 127.0.0.1 (the default), another 127.x.x.x, ::1 or localhost; any other is refused",
  },
  settings: [
    ["SCRIPT_CWD", "the app directory chores run in and resolve their packages from (default: current directory)"],
    ["SCRIPT_ENV", "comma-separated names of the environment variables a chore may see; their values are redacted"],
    ["SCRIPT_TIMEOUT", "how long a run may take: 90, 90s, 15m, 2h (a bare number is seconds; default 15m)"],
    ["OUTPUT_LIMIT", "bytes of output kept in a run's log (default 1048576)"],
  ],
  notes:
    "Run it from the repository root: it reads .github/chorebot.yml's choresDir (default chores/) afresh at every page, so edits show on reload. " +
    "Runs are kept in memory (the last 100) and their logs written under .chorebot/runs/, as `chorebot run` writes them. " +
    "It reads no .env file: set the settings as production does.",
  run(positionals, values) {
    expectArguments(positionals, 0);
    const port = parsePort((values.port as string | undefined) ?? String(DEFAULT_PORT));
    const host = (values.host as string | undefined) ?? "127.0.0.1";
    const address = loopbackAddress(host);
    if (address === null) {
      throw new UsageError(
        `refusing --host ${host}: the preview runs chores for anyone who reaches it, with no sign-in, so it listens only on a loopback address (127.0.0.1, ::1 or localhost)`,
      );
    }
    return preview(port, address);
  },
};

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new UsageError(`--port ${text}: not a port (a whole number from 0 to 65535)`);
  return Number(text);
}
