#!/usr/bin/env node
import { parseArgs } from "node:util";
import { ConfigError } from "../config.js";
import { cancelCommand } from "./cancel-command.js";
import { parseInputFlags } from "./parse-input-flags.js";
import { runCommand } from "./run-command.js";
import { serveCommand } from "./serve-command.js";
import { statusCommand } from "./status-command.js";

const USAGE = `Usage:
  chorebot start [--no-workers]   webhooks, dashboard and (unless --no-workers) workers
  chorebot worker                 only workers
  chorebot run <file> [--input name=value …] [--out <log.md>]
                                  bundle and run a local script as production would,
                                  and write the run log it would commit
  chorebot cancel <run> [--by <name>]
                                  stop a running run, or keep a waiting one from
                                  starting, through the server at CHOREBOT_URL
                                  (default http://127.0.0.1:3000) with the dashboard's
                                  DASHBOARD_USER and DASHBOARD_PASSWORD
  chorebot status <run>           print a run's status as JSON (final, or queued,
                                  waiting, running, recording), through the server
                                  at CHOREBOT_URL with the dashboard's login; exit 1
                                  when there is no such run`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      "no-workers": { type: "boolean", default: false },
      out: { type: "string" },
      input: { type: "string", multiple: true, default: [] },
      by: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  switch (command) {
    case "start":
    case "worker":
      return serveCommand({ web: command === "start", workers: command === "worker" || !values["no-workers"] });
    case "run": {
      const [file] = rest;
      if (!file) {
        console.error(`chorebot run: which script?\n\n${USAGE}`);
        return 2;
      }
      let inputs: Record<string, string>;
      try {
        inputs = parseInputFlags(values.input);
      } catch (error) {
        console.error(`chorebot run: ${(error as Error).message}`);
        return 2;
      }
      return runCommand(file, values.out, inputs);
    }
    case "cancel": {
      const [run, ...extra] = rest;
      if (!run || extra.length > 0) {
        console.error(`chorebot cancel: which run? (one run id)\n\n${USAGE}`);
        return 2;
      }
      return cancelCommand(run, values.by);
    }
    case "status": {
      const [run, ...extra] = rest;
      if (!run || extra.length > 0) {
        console.error(`chorebot status: which run? (one run id)\n\n${USAGE}`);
        return 2;
      }
      return statusCommand(run);
    }
    default:
      console.error(`chorebot: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  // exitCode rather than exit(): let piped output drain first.
  (code) => (process.exitCode = code),
  (error: unknown) => {
    // Settings errors are the operator's to fix: one line, no stack trace.
    console.error(error instanceof ConfigError ? `chorebot: ${error.message}` : error);
    process.exit(1);
  },
);
