import { open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const FILE = "uncaught-error.txt";
// More than a run's one-line message shows (run-script.ts cuts it to 300), never a flood.
const MAX_CHARS = 2000;

// Loaded with `node --import` before the bundle. The monitor sees every error that ends the
// process (an unhandled rejection too) before Node prints it, and writes it synchronously:
// the process is about to die. It replaces the file each time: the last one is what killed it.
// Reading an error's fields may run the script's own getters: whatever throws, say nothing.
const SOURCE = `import { writeFileSync } from "node:fs";
const target = new URL("./${FILE}", import.meta.url);
process.on("uncaughtExceptionMonitor", (error) => {
  try {
    const text = typeof error?.message === "string" ? (String(error.name ?? "") || "Error") + ": " + error.message : "uncaught " + String(error);
    writeFileSync(target, text.slice(0, ${MAX_CHARS}));
  } catch {}
});
`;

/** Writes the module to pass to `node --import` that records the script's uncaught error in `dir`; returns its URL. */
export async function writeUncaughtErrorHook(dir: string): Promise<string> {
  const path = join(dir, "uncaught-error-hook.mjs");
  await writeFile(path, SOURCE);
  return pathToFileURL(path).href;
}

/**
 * The last error the script did not catch, as "Name: message" (at most MAX_CHARS, unredacted),
 * or null when there was none. The script could write the file itself: it is only ever shown
 * as what the script said.
 */
export async function readUncaughtError(dir: string): Promise<string | null> {
  let file;
  try {
    file = await open(join(dir, FILE), "r");
  } catch {
    return null;
  }
  try {
    // Bytes, not chars: a UTF-8 char takes up to 4.
    const buffer = Buffer.alloc(MAX_CHARS * 4);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString("utf8").trim();
    return text === "" ? null : text;
  } finally {
    await file.close();
  }
}
