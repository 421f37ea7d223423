import { describe, expect, it } from "vitest";
import type { Command } from "../../../src/bin/command.js";
import { COMMANDS } from "../../../src/bin/commands.js";
import { overviewHelp } from "../../../src/bin/help-text.js";

const command = (readsDotEnv: boolean): Command => ({ usage: "", summary: "does it", options: {}, settings: [], readsDotEnv, run: () => Promise.resolve(0) });

describe("overviewHelp", () => {
  it("names the commands that read .env from the command table", () => {
    const help = overviewHelp({ one: command(true), two: command(false), three: command(true), four: command(true) }, "1.0.0").replace(/\s+/g, " ");
    expect(help).toContain("Settings are environment variables; `one`, `three` and `four` also read them from a .env file");
  });

  it("for chorebot's own table: those that may take the dashboard's login from a server's .env", () => {
    const help = overviewHelp(COMMANDS, "1.0.0").replace(/\s+/g, " ");
    expect(help).toContain("`start`, `worker`, `status`, `cancel`, `freeze`, `unfreeze`, `pause`, `resume` and `rollback` also read them from a .env file");
  });
});
