import { renderToString } from "preact-render-to-string";

/** A short page of the sign-in routes (an error or a notice): plain text only, escaped by JSX. */
export function authPage(title: string, message: string, link?: { href: string; label: string }): string {
  return `<!doctype html>${renderToString(
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · chorebot`}</title>
      </head>
      <body>
        <main>
          <h1>{title}</h1>
          <p>{message}</p>
          {link && (
            <p>
              <a href={link.href}>{link.label}</a>
            </p>
          )}
        </main>
      </body>
    </html>,
  )}`;
}
