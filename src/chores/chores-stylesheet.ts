/**
 * chores.css: what Pico CSS (served before it, see chores-assets.ts) does not do for the chores
 * pages — state badges, the output block, field errors, the notice and problem boxes, the
 * progress bar, focus outlines for keyboard users and phone-width layout. The pages'
 * Content-Security-Policy allows no inline style, so it is served from /chores/assets/.
 *
 * A state is never told by colour alone: every badge says its word, and the colours of text
 * on its background pass WCAG AA (4.5:1) in light and dark (test/unit/chores/chores-stylesheet.test.ts).
 */

/** Each state's badge colours, text on background: light, then dark. */
export const BADGE_COLOURS = {
  succeeded: { light: ["#116329", "#dafbe1"], dark: ["#7ee787", "#0f2d1a"] },
  failed: { light: ["#a40e26", "#ffebe9"], dark: ["#ffa198", "#3d1418"] },
  running: { light: ["#0550ae", "#ddf4ff"], dark: ["#79c0ff", "#0c2d4f"] },
  queued: { light: ["#57606a", "#eaeef2"], dark: ["#c9d1d9", "#30363d"] },
  waiting: { light: ["#7d4e00", "#fff8c5"], dark: ["#e3b341", "#3a2a00"] },
  cancelled: { light: ["#57606a", "#eaeef2"], dark: ["#c9d1d9", "#30363d"] },
  rolled_back: { light: ["#6e3a00", "#fff1e5"], dark: ["#ffa657", "#3d2200"] },
} as const;

/** The states each colour stands for: every failure is red, but a workflow that undid all its work is orange. */
const BADGE_STATES: Record<keyof typeof BADGE_COLOURS, string[]> = {
  succeeded: ["succeeded"],
  failed: ["failed", "timed_out", "lost", "refused", "rollback_failed"],
  running: ["running"],
  queued: ["queued"],
  // An interrupted or paused run is not over: it waits for a person, in waiting's colour.
  waiting: ["waiting", "interrupted", "paused"],
  cancelled: ["cancelled"],
  rolled_back: ["rolled_back"],
};

/** A shape beside the word, for a quicker glance (`/ ""`: screen readers skip it, they read the word). */
const BADGE_SYMBOLS: Record<keyof typeof BADGE_COLOURS, string> = {
  succeeded: "✓",
  failed: "✗",
  running: "▶",
  queued: "○",
  waiting: "◷",
  cancelled: "⊘",
  rolled_back: "↩",
};

/** Text colours of their own, light then dark: field errors and stderr lines, the focus outline. */
export const TEXT_COLOURS = {
  error: { light: "#a40e26", dark: "#ffa198" },
  focus: { light: "#0550ae", dark: "#79c0ff" },
} as const;

type Scheme = "light" | "dark";

function variables(scheme: Scheme): string {
  const badges = Object.entries(BADGE_COLOURS).map(([name, colours]) => `--status-${name}: ${colours[scheme][0]}; --status-${name}-bg: ${colours[scheme][1]};`);
  return [...badges, `--chores-error: ${TEXT_COLOURS.error[scheme]};`, `--chores-focus: ${TEXT_COLOURS.focus[scheme]};`].join(" ");
}

function badgeRules(): string {
  return Object.entries(BADGE_STATES)
    .map(([colour, states]) => {
      const selectors = states.map((state) => `.status-${state}`).join(", ");
      const symbols = states.map((state) => `.status-${state}::before`).join(", ");
      return (
        `${selectors} { color: var(--status-${colour}); background: var(--status-${colour}-bg); }\n` +
        `${symbols} { content: "${BADGE_SYMBOLS[colour as keyof typeof BADGE_COLOURS]} " / ""; }`
      );
    })
    .join("\n");
}

export const CHORES_STYLESHEET = `/* chorebot chores pages: what Pico CSS does not do. */
:root { ${variables("light")} }
@media (prefers-color-scheme: dark) { :root { ${variables("dark")} } }

/* Keyboard users see where they are. */
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible, [tabindex]:focus-visible {
  outline: 3px solid var(--chores-focus); outline-offset: 2px;
}
.skip-link { position: absolute; left: 0.5rem; top: -10rem; z-index: 10; padding: 0.5rem 1rem; background: Canvas; border: 1px solid currentColor; }
.skip-link:focus { top: 0.5rem; }

/* The page frame: the header wraps on a phone, nothing is wider than the screen. */
body > header { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; justify-content: space-between; padding-block: 0.75rem; border-bottom: 1px solid var(--pico-muted-border-color); }
body > header form { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin: 0; }
body > header [type="submit"] { margin: 0; padding: 0.25rem 0.75rem; }
/* Buttons as wide as their words (Pico stretches a form's submit button across the page). */
button[type="submit"] { width: auto; }
form.cancel button { background: var(--status-failed-bg); color: var(--status-failed); border-color: var(--status-failed); }
dd, li, p, code { overflow-wrap: anywhere; }
/* A table wider than the screen scrolls by itself, the page does not. */
@media (max-width: 48rem) { table { display: block; overflow-x: auto; } }
td, th { overflow-wrap: break-word; } td time { white-space: nowrap; }

/* A run's status: its word, its colour and a shape. */
.status { display: inline-block; padding: 0 0.5rem; border-radius: 1rem; border: 1px solid currentColor; font-size: 0.875rem; font-weight: 600; line-height: 1.6; white-space: nowrap; vertical-align: middle; }
${badgeRules()}
.status-reason { color: var(--pico-muted-color); font-size: 0.875rem; }
a:has(> .status) { text-decoration: none; }

/* Facts about a chore or a run: two columns, one on a phone. */
dl.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 0.25rem 1rem; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
@media (max-width: 36rem) { dl.facts { grid-template-columns: minmax(0, 1fr); } dl.facts dd { margin-bottom: 0.5rem; } }

/* A script's output: monospace, long lines wrapped, a bounded height that scrolls. */
pre.output, pre.result { white-space: pre-wrap; overflow-wrap: anywhere; max-height: 70vh; overflow: auto; padding: 0.75rem; }
.output .stderr { color: var(--chores-error); } .output .log { font-weight: 600; } .output .t { color: var(--pico-muted-color); }

/* What the page has to say: a notice, a problem, a form's errors. */
.notice, .problem, .errors { border-left: 0.25rem solid; padding: 0.5rem 0.75rem; margin-bottom: var(--pico-spacing); border-radius: 0.25rem; }
.notice { border-color: var(--status-running); background: var(--status-running-bg); color: var(--status-running); }
.problem, .errors { border-color: var(--status-failed); background: var(--status-failed-bg); color: var(--status-failed); }
.notice a, .problem a, .errors a, .notice code, .problem code { color: inherit; }
.problem > :last-child, .errors > :last-child, .notice > :last-child { margin-bottom: 0; }

/* A form's fields: the error next to its field, help text muted. */
.chore-form { max-width: 40rem; }
.field { margin-bottom: var(--pico-spacing); }
.field label { font-weight: 600; } .field-checkbox label { display: inline; }
.field input, .field select { margin-bottom: 0.25rem; }
.field .help, .field .rule { margin: 0; color: var(--pico-muted-color); font-size: 0.875rem; }
.field .error { margin: 0.25rem 0 0; color: var(--chores-error); font-weight: 600; }
.field .error::before { content: "⚠ " / ""; }
.required, .optional { font-weight: normal; font-size: 0.875rem; color: var(--pico-muted-color); }
/* The run name, set apart from the chore's own inputs. */
.field-run-name { border-top: 1px solid var(--pico-muted-border-color); padding-top: var(--pico-spacing); }
.history .run-name { font-weight: 600; }

/* The progress bar and its words. */
.progress { display: flex; flex-wrap: wrap; align-items: center; gap: 0.25rem 1rem; }
.progress progress { flex: 1 1 12rem; margin: 0; }

/* A workflow's steps: where each stands, in its colour and words; every run and rollback in a table. */
ol.steps .standing { font-weight: 600; }
.standing-done .standing { color: var(--status-succeeded); } .standing-undone .standing { color: var(--status-running); }
.standing-partly_done .standing { color: var(--status-waiting); } .standing-rollback_failed .standing { color: var(--status-failed); }
.standing-not_run .standing { color: var(--pico-muted-color); } .standing-waiting .standing { color: var(--status-waiting); }
.step-entries td { vertical-align: top; } .step-entries code { overflow-wrap: break-word; } .step-entries .step-error { margin: 0; color: var(--chores-error); }
pre.step-changes { margin: 0; padding: 0.25rem 0.5rem; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 12rem; overflow: auto; font-size: 0.8125rem; }

/* A parked run: what it waits for, and its decision buttons, each with what it does. */
.parked { border-left: 0.25rem solid var(--status-waiting); padding: 0.5rem 0.75rem; margin-bottom: var(--pico-spacing); background: var(--status-waiting-bg); }
.parked .decide-one { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.5rem; margin-bottom: 0.5rem; }
.parked .decide-one button { width: auto; margin: 0; } .parked .hint { color: var(--pico-muted-color); font-size: 0.875rem; }

/* The catalog's list of chores. */
.chores { list-style: none; padding: 0; } .chores > li { list-style: none; margin: 0 0 1rem; }
`;
