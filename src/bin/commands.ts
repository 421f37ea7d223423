import { cancelCommand } from "./cancel-command.js";
import { choresCommand } from "./chores-command.js";
import type { Command } from "./command.js";
import { approveCommand, pauseCommand, rejectCommand, resumeCommand, rollbackCommand, signalCommand } from "./decide-command.js";
import { freezeCommand, unfreezeCommand } from "./freeze-command.js";
import { previewCommand } from "./preview-command.js";
import { runCommand } from "./run-command.js";
import { startCommand, workerCommand } from "./serve-command.js";
import { statusCommand } from "./status-command.js";

// One line per command: its help, options and action live in its own file. cli.ts dispatches
// through it; the help (and a test of .env.example) read which commands read .env from it.
export const COMMANDS: Record<string, Command> = {
  start: startCommand,
  worker: workerCommand,
  run: runCommand,
  preview: previewCommand,
  status: statusCommand,
  cancel: cancelCommand,
  chores: choresCommand,
  freeze: freezeCommand,
  unfreeze: unfreezeCommand,
  approve: approveCommand,
  reject: rejectCommand,
  signal: signalCommand,
  pause: pauseCommand,
  resume: resumeCommand,
  rollback: rollbackCommand,
};
