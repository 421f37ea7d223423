// A workflow run as chorebot runs it: bundled with the SDK's runtime, in a child process, on a
// report channel whose other end acks each step (or does not). Shared by the runtime tests.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { ReportMessage, StepReport } from "../../../src/sdk/protocol.js";

const SDK = fileURLToPath(new URL("../../../src/sdk/index.ts", import.meta.url));
const RUNTIME = fileURLToPath(new URL("../../../src/sdk/runtime.ts", import.meta.url));

/** Bundles `source` (importing "chorebot") with the runtime, in `dir`; returns the bundle's path. */
export async function bundleWorkflow(dir: string, source: string, name = "wf"): Promise<string> {
  writeFileSync(join(dir, `${name}.ts`), source);
  writeFileSync(
    join(dir, `${name}-entry.ts`),
    `import * as m from "./${name}.ts";\nimport { runScriptModule } from ${JSON.stringify(RUNTIME)};\nawait runScriptModule(m);\n`,
  );
  const bundle = join(dir, `${name}.mjs`);
  await build({
    entryPoints: [join(dir, `${name}-entry.ts`)],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: bundle,
    alias: { chorebot: SDK },
    logLevel: "silent",
  });
  return bundle;
}

export interface Peer {
  /** Called with each step report; returns how to answer it (default: ack at once). */
  onStep?: (report: StepReport, socket: Socket, kill: (signal: NodeJS.Signals) => void) => void;
  onStdout?: (text: string, kill: (signal: NodeJS.Signals) => void) => void;
}

export const ackStep = (socket: Socket, report: StepReport): void => void socket.write(`${JSON.stringify({ type: "ack", seq: report.seq })}\n`);

/** Runs the bundle with `env` added (inputs as CHOREBOT_INPUTS), until it exits. */
export async function runBundle(bundle: string, dir: string, options: { inputs?: Record<string, string>; env?: Record<string, string>; peer?: Peer } = {}) {
  const peer = options.peer ?? {};
  const messages: ReportMessage[] = [];
  const path = join(dir, `c-${Math.random().toString(36).slice(2)}.sock`);
  let kill: (signal: NodeJS.Signals) => void = () => {};
  const server = createServer((socket) => {
    let buffered = "";
    socket.on("data", (chunk) => {
      buffered += chunk.toString("utf8");
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const message = JSON.parse(buffered.slice(0, newline)) as ReportMessage;
        buffered = buffered.slice(newline + 1);
        messages.push(message);
        if (message.type === "step") (peer.onStep ?? ((report, s) => ackStep(s, report)))(message.report, socket, kill);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("CHOREBOT_")));
  const child = spawn(process.execPath, [bundle], {
    cwd: dir,
    env: { ...env, CHOREBOT_CHANNEL: path, CHOREBOT_INPUTS: JSON.stringify(options.inputs ?? {}), ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  kill = (signal) => child.kill(signal);
  let stderr = "";
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    peer.onStdout?.(chunk.toString(), kill);
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const closedAt = Date.now();
  await new Promise((resolve) => server.close(resolve));
  const steps = messages.flatMap((m) => (m.type === "step" ? [m.report] : []));
  return {
    code,
    closedAt,
    stdout,
    stderr,
    messages,
    steps,
    order: steps.map((s) => `${s.direction === "rollback" ? "rollback:" : ""}${s.step}:${s.outcome}`),
  };
}
