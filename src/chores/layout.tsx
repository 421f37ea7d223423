import type { ComponentChildren } from "preact";
import { STYLESHEET_URLS } from "./chores-assets.js";
import { CHORES_PATH, LIVE_SCRIPT_PATH, LOGOUT_PATH } from "./chores-paths.js";
import type { ChoresUser } from "./chores-pages-deps.js";

/** Every page's frame: its title, the stylesheet, who is signed in and the logout form. */
export function Layout(props: {
  title: string;
  /** Null on a page shown before anyone signed in. */
  user: ChoresUser | null;
  /** The session's CSRF token, for the logout form. */
  csrf: string | null;
  /**
   * Reload the page every few seconds where JavaScript does not run (a live run; inside
   * <noscript>, so a browser running the live script does not reload).
   */
  refresh?: boolean;
  /** Load the live script (a page with something live on it). */
  live?: boolean;
  children: ComponentChildren;
}) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {props.refresh ? (
          <noscript>
            <meta http-equiv="refresh" content="5" />
          </noscript>
        ) : null}
        <title>{`${props.title} · chorebot`}</title>
        {STYLESHEET_URLS.map((href) => (
          <link key={href} rel="stylesheet" href={href} />
        ))}
        {props.live ? <script type="module" src={LIVE_SCRIPT_PATH}></script> : null}
      </head>
      <body>
        <a class="skip-link" href="#main">
          Skip to main content
        </a>
        <header>
          <a href={CHORES_PATH}>chorebot · chores</a>
          {props.user ? (
            <form method="post" action={LOGOUT_PATH}>
              Signed in as <strong>{props.user.login}</strong> <input type="hidden" name="csrf" value={props.csrf ?? ""} />
              <button type="submit">Log out</button>
            </form>
          ) : null}
        </header>
        <main id="main">{props.children}</main>
      </body>
    </html>
  );
}
