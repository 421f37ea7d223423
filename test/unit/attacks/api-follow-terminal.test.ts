import { describe, expect, it } from "vitest";
import { eventPrinter } from "../../../src/bin/follow-run.js";

// Attack: `chorebot chores run --follow` printed a run's output lines to the terminal as they
// came. The runner strips CSI and OSC sequences, not the rest: `\r` overwrote what the line
// said ("deleted 5000 rows\rdeleted 0 rows   "), backspaces erased it, DCS (`ESC P … ESC \`)
// and C1 controls reached the terminal, from data a script printed but did not write.
describe("chorebot chores run --follow: output lines reach the terminal inert", () => {
  it("shows every control character but a tab as U+FFFD, in output, status and detail", () => {
    const printed: string[] = [];
    const onEvent = eventPrinter((text) => printed.push(text));
    const hostile = ["deleted 5000 rows\rdeleted 0 rows   ", "ok\b\b\bKO", '\x1bP$q"p\x1b\\', "\x9b31mred", "\x1bcreset", "tab\there", "\x00nul\x7f"];
    onEvent({
      event: "output",
      data: JSON.stringify({ replace: false, lines: hostile.map((text, i) => ({ at: `+${i}s`, stream: "stdout", text })) }),
      id: null,
    });
    onEvent({ event: "state", data: JSON.stringify({ status: "running\r\x1b[2Ksucceeded", detail: "x\ry" }), id: null });
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    for (const line of printed) expect(line).not.toMatch(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/);
    expect(printed).toContain("  +0s deleted 5000 rows\ufffddeleted 0 rows   ");
    expect(printed).toContain("  +5s tab\there");
    expect(printed).toHaveLength(hostile.length + 1);
  });
});
