import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ExecutionResult } from "../../../src/run-types.js";
import { bundleScript } from "../../../src/runner/bundle-script.js";
import { runScript } from "../../../src/runner/run-script.js";
import { buildScriptEnv } from "../../../src/runner/script-env.js";
import { parseRunLog } from "../../../src/runlog/parse-run-log.js";
import { renderRunLog } from "../../../src/runlog/render-run-log.js";

// log() lines travel over the report socket, output over two pipes: the runner reads them
// independently, yet the record must keep the order the script produced them in. Real child
// processes, the SDK bundled as in production.

const ROUNDS = 300;

// From the first line: the channel is still connecting while the loop runs, so every log
// line reaches the runner after output the script wrote later.
const EARLY = [
  'import { log } from "chorebot";',
  `for (let i = 0; i < ${ROUNDS}; i++) {`,
  "  console.log(`out ${i}`);",
  "  log(`log ${i}`);",
  // Now and then a partial line: the log call comes before the line is complete.
  "  if (i % 50 === 7) { process.stdout.write(`part ${i} `); log(`mid ${i}`); console.log('end'); }",
  "  if (i % 100 === 9) { console.error(`err ${i}`); log(`after err ${i}`); }",
  "}",
  'log("done");',
].join("\n");

// Connected, with lines of 12 KiB: writes to a full pipe block the script until the runner
// reads, and the runner reads a pipe many times over before it looks at the socket again.
const BIG = "x".repeat(12 * 1024);
const CONNECTED = [
  'import { log } from "chorebot";',
  'log("start");',
  "await new Promise((resolve) => setTimeout(resolve, 100));",
  `for (let i = 0; i < ${ROUNDS}; i++) {`,
  `  console.log(\`out \${i} ${BIG}\`);`,
  "  log(`log ${i}`);",
  "}",
  'console.log("last line");',
  'log("done");',
].join("\n");

function expectedEarly(): string[] {
  const order: string[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    order.push(`stdout out ${i}`, `log log ${i}`);
    if (i % 50 === 7) order.push(`log mid ${i}`, `stdout part ${i} end`);
    if (i % 100 === 9) order.push(`stderr err ${i}`, `log after err ${i}`);
  }
  order.push("log done");
  return order;
}

function expectedConnected(): string[] {
  const order = ["log start"];
  for (let i = 0; i < ROUNDS; i++) order.push(`stdout out ${i} ${BIG}`, `log log ${i}`);
  order.push("stdout last line", "log done");
  return order.map(short);
}

/** The run log's output section, as `<stream> <text>` lines. */
function recorded(result: ExecutionResult): string[] {
  const { body } = parseRunLog(
    renderRunLog(
      {
        runId: "order",
        jobIds: null,
        script: "scripts/order.ts",
        repository: "acme/app",
        commit: "0".repeat(40),
        pullRequest: null,
        approvedBy: [],
        execution: result,
        code: null,
        attempt: 1,
        runner: "test",
      },
      { maxBytes: 16 * 1024 * 1024 },
    ),
  );
  return [...body.matchAll(/^\s*\+\d+\.\d{3}s (stdout|stderr|log) \| (.*)$/gm)].map((m) => short(`${m[1]} ${m[2]}`));
}

/** The result's lines and log lines merged by time, as every reader of the record merges them. */
function merged(result: ExecutionResult): string[] {
  const entries = [
    ...result.output.lines.map((line, i) => ({ t: line.t, rank: 1, i, text: `${line.stream} ${line.text}` })),
    ...(result.report?.logs ?? []).map((log, i) => ({ t: log.t, rank: 0, i, text: `log ${log.message}` })),
  ];
  // An output line before a log line of the same time (the run log's rule), each list in its order.
  return entries.sort((a, b) => a.t - b.t || b.rank - a.rank || a.i - b.i).map((e) => short(e.text));
}

/**
 * Live, a log line is never shown before output the script wrote before it (it waits for it);
 * output that outran a log line on its way cannot be taken back, so the log line comes late.
 */
function expectLiveOrder(live: string[], expected: string[]): void {
  expect([...live].sort()).toEqual([...expected].sort());
  const shownAt = new Map(live.map((entry, i) => [entry, i]));
  expected.forEach((entry, i) => {
    if (!entry.startsWith("log ")) return;
    const outputBefore = expected.slice(0, i).filter((e) => !e.startsWith("log "));
    for (const line of outputBefore) expect(shownAt.get(line)!, `${line} is shown before ${entry}`).toBeLessThan(shownAt.get(entry)!);
  });
}

/** Long lines cut, so that a failure shows a readable diff. */
function short(entry: string): string {
  return entry.length > 40 ? `${entry.slice(0, 40)}…` : entry;
}

const bundles: Record<string, string> = {};
let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), "chorebot-order-"));
  for (const [name, source] of Object.entries({ early: EARLY, connected: CONNECTED })) {
    const bundle = await bundleScript({ entry: "scripts/order.ts", readFile: async (path) => (path === "scripts/order.ts" ? source : null) });
    if (!bundle.ok) throw new Error(bundle.message);
    bundles[name] = bundle.code;
  }
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

async function run(code: string): Promise<{ result: ExecutionResult; live: string[] }> {
  const live: string[] = [];
  const result = await runScript({
    code,
    cwd,
    env: buildScriptEnv(process.env, []),
    timeoutMs: 20_000,
    maxOutputBytes: 16 * 1024 * 1024,
    onLine: (line) => live.push(short(`${line.stream} ${line.text}`)),
    onReport: (message) => {
      if (message.type === "log") live.push(short(`log ${message.message}`));
    },
  });
  expect(result.status).toBe("succeeded");
  return { result, live };
}

describe("log() lines and output are recorded in the script's order", () => {
  test("when log lines arrive after output written later (the channel still connecting)", async () => {
    const { result, live } = await run(bundles.early!);
    // Also stdout against stderr, which arrive on two pipes: the log lines between them tell.
    expect(merged(result)).toEqual(expectedEarly());
    expect(recorded(result)).toEqual(expectedEarly());
    expectLiveOrder(live, expectedEarly());
  });

  test("when log lines arrive before the output written before them (a full pipe), live too", async () => {
    const { result, live } = await run(bundles.connected!);
    expect(merged(result)).toEqual(expectedConnected());
    expect(recorded(result)).toEqual(expectedConnected());
    expectLiveOrder(live, expectedConnected());
  });
});
