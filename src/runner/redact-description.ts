import type { ScriptDescription } from "../sdk/protocol.js";
import type { Redact } from "./redact.js";
import { redactNumber } from "./redact-value.js";

type InputDescription = ScriptDescription["inputs"][string];

/**
 * What a script declares, redacted for the dashboard, the API and the log: its description and
 * each input's name, description, default (a number that shows a secret becomes `[REDACTED]`),
 * choices and pattern. What steers the run (concurrency, timeout, each input's type, whether
 * it is required or secret, its bounds) is kept as declared: the execute step obeys it.
 */
export function redactDescription(description: ScriptDescription | null, redact: Redact): ScriptDescription | null {
  if (description === null) return null;
  return {
    ...description,
    description: description.description === null ? null : redact(description.description),
    inputs: Object.fromEntries(Object.entries(description.inputs).map(([name, input]) => [redact(name), redactInput(input, redact)])),
  };
}

function redactInput(input: InputDescription, redact: Redact): InputDescription {
  const { description, default: fallback, choices, pattern } = input;
  return {
    ...input,
    ...(description === undefined ? {} : { description: redact(description) }),
    ...(typeof fallback === "string" ? { default: redact(fallback) } : {}),
    ...(typeof fallback === "number" ? { default: redactNumber(fallback, redact) } : {}),
    ...(choices === undefined ? {} : { choices: choices.map((choice) => redact(choice)) }),
    ...(pattern === undefined ? {} : { pattern: redact(pattern) }),
  };
}
