// A workflow source run as the worker runs it: read statically, bundled with the SDK, run by
// runScript with the options the execute step derives (state limit, kill grace, redaction).
import { tmpdir } from "node:os";
import { expect } from "vitest";
import type { RunnerConfig } from "../../../src/config.js";
import type { WorkflowEntry, WorkflowReport } from "../../../src/run-types.js";
import { readScriptDefinition } from "../../../src/definitions/read-definition.js";
import { bundleScript } from "../../../src/runner/bundle-script.js";
import { runOptions } from "../../../src/runner/run-options.js";
import { runScript, type RunScriptOptions } from "../../../src/runner/run-script.js";

export const SECRET = "sk-live-attack-0123456789";

export async function runWorkflowSource(
  source: string,
  extra: Partial<RunScriptOptions> & { runner?: Partial<RunnerConfig> } = {},
): Promise<{ result: Awaited<ReturnType<typeof runScript>>; saved: WorkflowReport[]; entries: WorkflowEntry[] }> {
  const reading = readScriptDefinition(source, "scripts/wf.ts");
  expect(reading.problems).toEqual([]);
  const bundled = await bundleScript({ entry: "scripts/wf.ts", readFile: async (path) => (path === "scripts/wf.ts" ? source : null) });
  if (!bundled.ok) throw new Error(bundled.message);
  const { runner: runnerExtra, ...rest } = extra;
  const runner = {
    scriptCwd: tmpdir(),
    scriptEnv: ["ATTACK_TOKEN"],
    scriptEnvValues: [SECRET],
    timeoutMs: 20_000,
    outputLimit: 1024 * 1024,
    workflowStateLimit: 64 * 1024,
    ...runnerExtra,
  };
  const options = runOptions({ runner, description: reading.definition, inputs: {}, env: { ...process.env, ATTACK_TOKEN: SECRET } });
  const saved: WorkflowReport[] = [];
  const entries: WorkflowEntry[] = [];
  const result = await runScript({
    code: bundled.code,
    ...options,
    onStep: async (record, entry) => {
      saved.push(JSON.parse(JSON.stringify(record)) as WorkflowReport);
      entries.push(entry);
    },
    ...rest,
  });
  return { result, saved, entries };
}
