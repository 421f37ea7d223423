#!/usr/bin/env node
import { parseArgs } from "node:util";
import { ConfigError, loadRunnerConfig, loadServerConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { parseInputFlags } from "./parse-input-flags.js";
import { runLocal } from "./run-local.js";
import { startApp } from "../start-app.js";

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
      return serve({ web: command === "start", workers: command === "worker" || !values["no-workers"] });
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
      return cancelRun(run, values.by);
    }
    case "status": {
      const [run, ...extra] = rest;
      if (!run || extra.length > 0) {
        console.error(`chorebot status: which run? (one run id)\n\n${USAGE}`);
        return 2;
      }
      return runStatus(run);
    }
    default:
      console.error(`chorebot: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

async function serve(parts: { web: boolean; workers: boolean }): Promise<number> {
  const config = loadServerConfig();
  const log = createLogger();
  const app = await startApp(config, parts, log);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info(`${signal} received, stopping`);
      resolve();
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
  await app.stop();
  // Any client BullMQ or Probot still holds must not keep a stopped server alive.
  process.exit(0);
}

async function runCommand(file: string, out: string | undefined, inputs: Record<string, string>): Promise<number> {
  // The script has its own process group, so Ctrl-C must be passed on, not just kill us.
  const cancel = new AbortController();
  const stop = () => cancel.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const { execution, logPath } = await runLocal({
    file,
    root: process.cwd(),
    out,
    config: loadRunnerConfig(),
    signal: cancel.signal,
    inputs,
    onReport: (message) => {
      if (message.type === "log") process.stderr.write(`[log] ${message.message}\n`);
    },
    onLine: (line) => (line.stream === "stdout" ? process.stdout : process.stderr).write(`${line.text}\n`),
  });
  const detail = execution.message ? ` (${execution.message})` : "";
  console.error(`\nchorebot: ${file} ${execution.status}${detail} in ${execution.durationMs} ms; log written to ${logPath}`);
  if (execution.status === "succeeded") return 0;
  return execution.exitCode && execution.exitCode > 0 ? execution.exitCode : 1;
}

async function cancelRun(run: string, by: string | undefined): Promise<number> {
  const user = process.env.DASHBOARD_USER;
  const password = process.env.DASHBOARD_PASSWORD;
  if (!user || !password) {
    console.error("chorebot cancel: set DASHBOARD_USER and DASHBOARD_PASSWORD (the dashboard's login)");
    return 2;
  }
  const base = (process.env.CHOREBOT_URL || "http://127.0.0.1:3000").replace(/\/+$/, "");
  const url = `${base}/api/runs/${encodeURIComponent(run)}/cancel`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
        "Content-Type": "application/json",
      },
      body: JSON.stringify(by === undefined ? {} : { by }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    const cause = (error as Error).cause;
    const reason = cause instanceof Error ? cause.message : (error as Error).message;
    console.error(`chorebot cancel: could not reach ${base}: ${reason}`);
    return 1;
  }
  const text = (await response.text()).trim();
  // The server's JSON answer on one line; anything else (a proxy's page) with its status.
  let line: string;
  try {
    line = JSON.stringify(JSON.parse(text));
  } catch {
    line = `${response.status} ${text.replace(/\s+/g, " ").slice(0, 200)}`.trim();
  }
  if (response.status === 202) {
    console.log(line);
    return 0;
  }
  console.error(line);
  return 1;
}

async function runStatus(run: string): Promise<number> {
  const user = process.env.DASHBOARD_USER;
  const password = process.env.DASHBOARD_PASSWORD;
  if (!user || !password) {
    console.error("chorebot status: set DASHBOARD_USER and DASHBOARD_PASSWORD (the dashboard's login)");
    return 2;
  }
  const base = (process.env.CHOREBOT_URL || "http://127.0.0.1:3000").replace(/\/+$/, "");
  let response: Response;
  try {
    response = await fetch(`${base}/api/runs/${encodeURIComponent(run)}`, {
      headers: { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` },
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    const cause = (error as Error).cause;
    const reason = cause instanceof Error ? cause.message : (error as Error).message;
    console.error(`chorebot status: could not reach ${base}: ${reason}`);
    return 1;
  }
  const text = (await response.text()).trim();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // Not the server's JSON (a proxy's page): its status and a bit of it.
    console.error(`${response.status} ${text.replace(/\s+/g, " ").slice(0, 200)}`.trim());
    return 1;
  }
  if (response.status === 200) {
    console.log(JSON.stringify(body, null, 2));
    return 0;
  }
  console.error(JSON.stringify(body));
  return 1;
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
