import { PAGE_HEADERS } from "../send-page.js";

/**
 * The headers of a page that loads the live script: the pages' strict policy, plus chorebot's
 * own scripts (no inline script, nothing from elsewhere) and its own event streams.
 */
export const LIVE_PAGE_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": `${PAGE_HEADERS["Content-Security-Policy"]}; script-src 'self'; connect-src 'self'`,
};
