import { MAX_SIGNAL_PAYLOAD_BYTES, SIGNAL_NAME } from "../sdk/protocol.js";

/**
 * `--signal name=value` flags (repeatable) of `chorebot run` → the payloads to deliver, by signal
 * name, in order: each wait for `name` takes the next one. The value is JSON when it parses as
 * JSON, else the plain string; a bad name or a payload over the server's limit is an error, as
 * production refuses it.
 */
export function parseSignalFlags(flags: readonly string[]): Map<string, unknown[]> {
  const signals = new Map<string, unknown[]>();
  for (const flag of flags) {
    const at = flag.indexOf("=");
    const name = at <= 0 ? "" : flag.slice(0, at).trim();
    if (!SIGNAL_NAME.test(name)) throw new Error(`--signal ${flag}: expected name=value, the name a letter then letters, digits, - or _`);
    const text = flag.slice(at + 1);
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      payload = text;
    }
    if (Buffer.byteLength(JSON.stringify(payload)) > MAX_SIGNAL_PAYLOAD_BYTES) {
      throw new Error(`--signal ${name}: the payload is over ${MAX_SIGNAL_PAYLOAD_BYTES} bytes as JSON, which a run refuses`);
    }
    signals.set(name, [...(signals.get(name) ?? []), payload]);
  }
  return signals;
}
