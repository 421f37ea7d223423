// ANSI/VT escape sequences: CSI (`ESC [` … final byte, colours and cursor moves, also as the
// one-byte C1 CSI), OSC (`ESC ]` … BEL or ST: window titles, hyperlinks), the other string
// sequences DCS/SOS/PM/APC (`ESC P|X|^|_` … ST), and two-byte escapes (`ESC` and one more).
const ESCAPES = new RegExp(
  [
    "(?:\\u001b\\[|\\u009b)[\\u0030-\\u003f]*[\\u0020-\\u002f]*[\\u0040-\\u007e]",
    "(?:\\u001b\\]|\\u009d)[^\\u0007\\u001b\\u009c]*(?:\\u0007|\\u001b\\\\|\\u009c)?",
    "(?:\\u001b[PX^_]|[\\u0090\\u0098\\u009e\\u009f])[^\\u001b\\u009c]*(?:\\u001b\\\\|\\u009c)?",
    "\\u001b[\\u0020-\\u002f]*[\\u0030-\\u007e]?",
  ].join("|"),
  "g",
);
// What is left of control characters once the sequences are gone, but tab and line feed
// (a line of output holds none, a result or a message may).
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Text a script printed, made fit for a page: terminal escape sequences (colours, cursor
 * moves, titles, hyperlinks), what a carriage return overwrote and other control characters
 * removed. Escaping for HTML is the renderer's job (preact escapes every text and attribute);
 * this only takes out what a browser would show as garbage.
 */
export function stripTerminalEscapes(text: string): string {
  return keepAfterCarriageReturns(text.replace(ESCAPES, "")).replace(CONTROLS, "");
}

/**
 * A carriage return with more after it on its line takes the cursor back: what came before it
 * was overwritten (a progress bar), as a terminal shows it. Linear in the text's length (a
 * regex looking ahead of every position took time growing with the square of a long line's).
 */
function keepAfterCarriageReturns(text: string): string {
  return text
    .split("\n")
    .map((line) => {
      const cr = line.length < 2 ? -1 : line.lastIndexOf("\r", line.length - 2);
      return cr < 0 ? line : line.slice(cr + 1);
    })
    .join("\n");
}
