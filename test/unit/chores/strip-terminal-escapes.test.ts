import { describe, expect, it } from "vitest";
import { stripTerminalEscapes } from "../../../src/chores/strip-terminal-escapes.js";

describe("stripTerminalEscapes", () => {
  it("removes colours, cursor moves, titles and hyperlinks", () => {
    expect(stripTerminalEscapes("\u001b[1;31merror\u001b[0m: bad")).toBe("error: bad");
    expect(stripTerminalEscapes("\u001b[2K\u001b[1Gdone")).toBe("done");
    expect(stripTerminalEscapes("\u001b]0;my title\u0007text")).toBe("text");
    expect(stripTerminalEscapes("\u001b]8;;https://evil.example\u001b\\click\u001b]8;;\u001b\\")).toBe("click");
    expect(stripTerminalEscapes("\u009b31mred")).toBe("red");
    expect(stripTerminalEscapes("a\u001bcb")).toBe("ab");
  });

  it("keeps what a carriage return did not overwrite, and no other control character", () => {
    expect(stripTerminalEscapes("10%\r50%\r100%")).toBe("100%");
    expect(stripTerminalEscapes("line\r\nnext\r")).toBe("line\nnext");
    expect(stripTerminalEscapes("a\u0000b\u0008c\td")).toBe("abc\td");
    expect(stripTerminalEscapes(`${"x".repeat(1000)}\r`.repeat(200) + "end\nnext\r")).toBe("end\nnext");
  });

  it("leaves HTML alone: escaping it is the renderer's job", () => {
    expect(stripTerminalEscapes("<script>alert(1)</script>")).toBe("<script>alert(1)</script>");
  });
});
