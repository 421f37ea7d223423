/**
 * The chores pages' stylesheet: just enough to read them (the pages' Content-Security-Policy
 * allows no inline style, so it is served from /chores/assets/chores.css).
 */
export const CHORES_STYLESHEET = `:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.45; }
body { margin: 0 auto; max-width: 64rem; padding: 0 1rem 3rem; }
header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; justify-content: space-between; border-bottom: 1px solid #8884; padding: 0.75rem 0; }
header form { display: inline; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
a { color: inherit; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.3rem 0.6rem 0.3rem 0; border-bottom: 1px solid #8882; vertical-align: top; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
pre { background: #8881; padding: 0.75rem; overflow-x: auto; white-space: pre-wrap; word-break: break-word; }
.output .stderr { color: #c33; } .output .log { font-weight: 600; } .output .t { opacity: 0.6; }
.status { display: inline-block; padding: 0 0.4rem; border-radius: 0.25rem; border: 1px solid currentColor; font-size: 0.9em; }
.status-succeeded { color: #1a7f37; } .status-failed, .status-timed_out, .status-lost, .status-refused { color: #cf222e; }
.status-cancelled { color: #9a6700; } .status-queued, .status-running { color: #0969da; }
.notice { border-left: 4px solid #0969da; padding: 0.5rem 0.75rem; background: #0969da14; }
.problem, .errors { border-left: 4px solid #cf222e; padding: 0.5rem 0.75rem; background: #cf222e14; }
.field { margin: 1rem 0; }
.field label { font-weight: 600; display: block; } .field-checkbox label { display: inline; }
.field input:not([type="checkbox"]), .field select { width: 100%; max-width: 32rem; padding: 0.3rem; box-sizing: border-box; }
.field .help, .field .rule { margin: 0.2rem 0; opacity: 0.8; font-size: 0.9em; }
.field .error { margin: 0.2rem 0; color: #cf222e; font-weight: 600; }
.required { font-weight: normal; font-size: 0.85em; opacity: 0.7; }
.chores { list-style: none; padding: 0; } .chores > li { margin: 0.75rem 0; }
button { padding: 0.35rem 1rem; }
`;
