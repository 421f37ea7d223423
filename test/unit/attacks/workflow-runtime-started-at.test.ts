import { tmpdir } from "node:os";
import { describe, expect, test } from "vitest";
import type { WorkflowReport } from "../../../src/run-types.js";
import { createRedactor } from "../../../src/runner/redact.js";
import { runScript } from "../../../src/runner/run-script.js";
import { buildScriptEnv } from "../../../src/runner/script-env.js";

const SECRET = "sk-live-started-at-42";

// A script speaking the protocol itself puts what it likes in a step report's `startedAt`, then
// reports an honest step: only the honest one may be recorded.
const code = [
  'import { connect } from "node:net";',
  "const socket = connect(process.env.CHOREBOT_CHANNEL);",
  "await new Promise((resolve) => socket.once('connect', resolve));",
  "let buffered = ''; const acked = [];",
  "socket.on('data', (chunk) => { buffered += chunk; let i; while ((i = buffered.indexOf('\\n')) !== -1) { acked.push(JSON.parse(buffered.slice(0, i)).seq); buffered = buffered.slice(i + 1); } });",
  "const send = (startedAt) => socket.write(JSON.stringify({ type: 'step', report: { seq: 1, step: 'a', direction: 'run', outcome: 'succeeded', startedAt, durationMs: 1, error: null, state: {} } }) + '\\n');",
  `send(${JSON.stringify(SECRET)} + ' ' + process.env.ATTACK_TOKEN);`,
  "send('x'.repeat(60000));",
  "send(new Date().toISOString());",
  "await new Promise((resolve) => { const t = setInterval(() => { if (acked.length > 0) { clearInterval(t); resolve(); } }, 10); });",
  "console.log('acked ' + acked.join(','));",
  "socket.end();",
].join("\n");

describe("attack: a step report's startedAt", () => {
  test("is never stored unredacted or unbounded: only a time is taken", async () => {
    const saved: WorkflowReport[] = [];
    const result = await runScript({
      code,
      cwd: tmpdir(),
      env: { ...buildScriptEnv(process.env, []), ATTACK_TOKEN: SECRET },
      timeoutMs: 10_000,
      redact: createRedactor([SECRET]),
      workflow: { steps: [{ name: "a", rollback: false, timeoutMs: 1000 }], stateLimit: 64 * 1024 },
      onStep: async (record) => void saved.push(record),
    });
    expect(result.output.lines.map((l) => l.text)).toContain("acked 1");
    expect(saved).toHaveLength(1);
    expect(JSON.stringify(saved)).not.toContain(SECRET);
    expect(JSON.stringify(result.report)).not.toContain(SECRET);
    expect(Number.isFinite(Date.parse(saved[0]!.entries[0]!.startedAt))).toBe(true);
    expect(saved[0]!.entries[0]!.startedAt.length).toBeLessThan(40);
  });
});
