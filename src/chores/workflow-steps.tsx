import type { LiveSteps } from "./live/live-steps.js";

/**
 * A workflow run's steps: where each declared step stands, then every run and rollback in
 * order with its outcome, time, error and state changes. The live script rebuilds the same
 * elements inside `#run-steps` from the stream's `steps` (live-client.ts); keep them alike.
 */
export function WorkflowSteps(props: { steps: LiveSteps | null }) {
  const { steps } = props;
  if (steps === null) return null;
  return (
    <>
      <h2>Steps</h2>
      {steps.summary !== null ? <p class="steps-summary">{capitalize(steps.summary)}.</p> : null}
      <ol class="steps">
        {steps.steps.map((step, i) => (
          <li key={i} class={`step standing-${step.standing}`}>
            <code>{step.name}</code>: <span class="standing">{step.failed ? `failed, ${step.words}` : step.words}</span>
            {step.rollback ? "" : " (no rollback)"}
          </li>
        ))}
      </ol>
      <table class="step-entries">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Step</th>
            <th scope="col">Direction</th>
            <th scope="col">Outcome</th>
            <th scope="col">Took</th>
            <th scope="col">Error and state changes</th>
          </tr>
        </thead>
        <tbody>
          {steps.entries.map((entry, i) => (
            <tr key={i} class={`entry outcome-${entry.outcome.replace(" ", "_")}`}>
              <td>{i + 1}</td>
              <td>
                <code>{entry.step}</code>
              </td>
              <td>{entry.direction}</td>
              <td>{entry.outcome}</td>
              <td>{entry.duration}</td>
              <td>
                {entry.error !== null ? <p class="step-error">{entry.error}</p> : null}
                {entry.changes.length > 0 ? <pre class="step-changes">{entry.changes.join("\n")}</pre> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {steps.entries.length === 0 ? <p class="steps-none">No step has ended yet.</p> : null}
    </>
  );
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
