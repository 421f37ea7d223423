import type { DecisionRequest } from "../pipeline/decide-run.js";

/**
 * The decision a run page's form asks for: its `decision` field, and for Continue the signal
 * the run waits for (the page's, so a stale form is refused by the decider, not guessed here)
 * with its optional JSON payload. Anything else is refused with a sentence.
 */
export function decisionRequest(
  decision: string | undefined,
  payload: string | undefined,
  signal: string | null,
): { ok: true; request: DecisionRequest } | { ok: false; message: string } {
  switch (decision) {
    case "approve":
    case "reject":
    case "resume":
    case "rollback":
      return { ok: true, request: { kind: decision } };
    case "signal": {
      if (signal === null || signal === "approval") return { ok: false, message: "This run is not waiting for a signal." };
      const text = (payload ?? "").trim();
      if (text === "") return { ok: true, request: { kind: "signal", signal, payload: null } };
      try {
        return { ok: true, request: { kind: "signal", signal, payload: JSON.parse(text) as unknown } };
      } catch {
        return { ok: false, message: "The payload is not JSON (leave it empty to send none)." };
      }
    }
    default:
      return { ok: false, message: "The form asks for no decision chorebot knows." };
  }
}
