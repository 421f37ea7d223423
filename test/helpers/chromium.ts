import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/** Debian's chromium, which the browser tests drive (`bash .ci/run` installs it with apt when it is missing). */
export const CHROMIUM = "/usr/bin/chromium";

export interface TestChromium {
  context: BrowserContext;
  /** The browser's profile folder, removed by close(): a place for a test's throwaway files. */
  profile: string;
  close(): Promise<void>;
}

/**
 * A headless chromium with a fresh profile, the light colour scheme, `viewport` and `options`
 * (HTTP credentials…). Not skipped when chromium is missing: CI must show that a browser test
 * could not run.
 */
export async function launchChromium(
  options: Omit<NonNullable<Parameters<typeof chromium.launchPersistentContext>[1]>, "executablePath" | "args"> = {},
): Promise<TestChromium> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (bash .ci/run installs it)`);
  const profile = await mkdtemp(join(tmpdir(), "chorebot-chromium-"));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      headless: true,
      viewport: { width: 1280, height: 900 },
      colorScheme: "light",
      ...options,
      executablePath: CHROMIUM,
      // Without the background-networking flags Chromium's own connections are refused by a closed network.
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  return {
    context,
    profile,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
