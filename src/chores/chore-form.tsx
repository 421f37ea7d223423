import type { FormField } from "./form-fields.js";
import { CHECKED_VALUE } from "./form-fields.js";
import { CSRF_FIELD, REQUEST_KEY_FIELD, RUN_NAME_FIELD, VERSION_FIELD } from "./form-names.js";
import { runUrl } from "./chores-paths.js";
import { formatDuration } from "./format-time.js";

export interface ChoreFormProps {
  /** Where it posts: the chore's page. */
  action: string;
  csrf: string;
  /** The commit of the chore version the form is for. */
  version: string;
  requestKey: string;
  fields: FormField[];
  /** Each bad field's message, by input name. */
  errors: Readonly<Record<string, string>>;
  /** The form is shown again after a submission: files chosen then must be chosen again. */
  resubmitted: boolean;
  /** The optional "Run name" field; null where runs cannot be named. */
  runName: RunNameField | null;
}

/** The run's optional unique name, as typed, and what is wrong with it. */
export interface RunNameField {
  value: string;
  /** Why the name cannot be used (not a run name); null when it can. */
  error: string | null;
  /** The run that has the name, when another run does. */
  takenBy: string | null;
  /** How long a name stays taken after its run ends (RUN_NAME_TTL). */
  ttlMs: number;
}

/** The browser's check of a run name: RUN_NAME, written so that a browser compiling it with the `v` flag takes it (a bare `-` in a class it would not). */
const RUN_NAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9._\\-]{0,99}";
const RUN_NAME_ID = "run-name";

/**
 * A chore's form: one field per input, named after it, each with its label, help text (the
 * input's description and what a value must be) and its error next to it. Works without
 * JavaScript; multipart when it has a file input.
 */
export function ChoreForm(props: ChoreFormProps) {
  const hasFile = props.fields.some((field) => field.kind === "file");
  const bad = props.fields.filter((field) => Object.hasOwn(props.errors, field.name));
  const runName = props.runName;
  const nameBad = runName !== null && (runName.error !== null || runName.takenBy !== null);
  const count = bad.length + (nameBad ? 1 : 0);
  return (
    <form method="post" action={props.action} enctype={hasFile ? "multipart/form-data" : "application/x-www-form-urlencoded"} class="chore-form">
      {count > 0 ? (
        <div class="errors" role="alert">
          <p>
            <strong>Nothing was run.</strong> {count === 1 ? "One value needs" : `${count} values need`} attention:
          </p>
          <ul>
            {bad.map((field) => (
              <li key={field.name}>
                <a href={`#${fieldId(props.fields.indexOf(field))}`}>{field.name}</a>: {props.errors[field.name]}
              </li>
            ))}
            {nameBad ? (
              <li>
                <a href={`#${RUN_NAME_ID}`}>Run name</a>: <NameProblem field={runName} />
              </li>
            ) : null}
          </ul>
        </div>
      ) : null}
      {props.resubmitted && hasFile ? <p class="notice">Files are not kept between submissions: choose them again.</p> : null}
      <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
      <input type="hidden" name={VERSION_FIELD} value={props.version} />
      <input type="hidden" name={REQUEST_KEY_FIELD} value={props.requestKey} />
      {props.fields.map((field, i) => (
        <Field key={field.name} field={field} index={i} error={Object.hasOwn(props.errors, field.name) ? props.errors[field.name]! : null} />
      ))}
      {runName !== null ? <RunName field={runName} /> : null}
      <p>
        <button type="submit">Run</button>
      </p>
    </form>
  );
}

/** The optional run name: unique in the repository while the run lasts and RUN_NAME_TTL after. */
function RunName(props: { field: RunNameField }) {
  const { field } = props;
  const bad = field.error !== null || field.takenBy !== null;
  const described = ["run-name-help", ...(bad ? ["run-name-error"] : [])].join(" ");
  return (
    <div class={`field field-run-name${bad ? " invalid" : ""}`}>
      <label for={RUN_NAME_ID}>
        Run name <span class="optional">(optional)</span>
      </label>
      <input
        type="text"
        id={RUN_NAME_ID}
        name={RUN_NAME_FIELD}
        value={field.value}
        maxlength={100}
        pattern={RUN_NAME_PATTERN}
        title="1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit"
        autocomplete="off"
        aria-describedby={described}
        aria-invalid={bad ? "true" : undefined}
      />
      <p class="help" id="run-name-help">
        A name for this run, unique in the repository: while it runs and for {formatDuration(field.ttlMs)} after, another run with the same name is refused
        (letters, digits, '.', '_' or '-'; case does not count).
      </p>
      {bad ? (
        <p class="error" id="run-name-error">
          <NameProblem field={field} />
        </p>
      ) : null}
    </div>
  );
}

/** Why the run name cannot be used: not a name, or another run's, linked. */
function NameProblem(props: { field: RunNameField }) {
  const { error, takenBy } = props.field;
  if (takenBy !== null) {
    return (
      <>
        is taken by run <a href={runUrl(takenBy)}>{takenBy}</a>: choose another name, or see that run.
      </>
    );
  }
  return <>{error}</>;
}

function fieldId(index: number): string {
  return `input-${index}`;
}

function Field(props: { field: FormField; index: number; error: string | null }) {
  const { field, error } = props;
  const id = fieldId(props.index);
  const helpId = `${id}-help`;
  const ruleId = `${id}-rule`;
  const errorId = `${id}-error`;
  const described = [field.help !== null ? helpId : null, field.rule !== null ? ruleId : null, error !== null ? errorId : null].filter((part) => part !== null);
  const common = {
    id,
    name: field.name,
    "aria-describedby": described.length > 0 ? described.join(" ") : undefined,
    "aria-invalid": error !== null ? ("true" as const) : undefined,
  };
  const label = (
    <label for={id}>
      {field.name} {field.required ? <span class="required">(required)</span> : null}
    </label>
  );
  const help = (
    <>
      {field.help !== null ? (
        <p class="help" id={helpId}>
          {field.help}
        </p>
      ) : null}
      {field.rule !== null ? (
        <p class="rule" id={ruleId}>
          {field.rule}
        </p>
      ) : null}
    </>
  );
  const message =
    error !== null ? (
      <p class="error" id={errorId}>
        {error}
      </p>
    ) : null;
  const classes = `field field-${field.kind}${error !== null ? " invalid" : ""}`;

  if (field.kind === "checkbox") {
    return (
      <div class={classes} data-input={field.name}>
        <input type="checkbox" {...common} value={CHECKED_VALUE} checked={field.checked} /> {label}
        {help}
        {message}
      </div>
    );
  }
  return (
    <div class={classes} data-input={field.name}>
      {label}
      <Control field={field} common={common} />
      {help}
      {message}
    </div>
  );
}

function Control(props: { field: Exclude<FormField, { kind: "checkbox" }>; common: Record<string, string | undefined> }) {
  const { field, common } = props;
  const required = field.required;
  switch (field.kind) {
    case "text":
      return <input type="text" {...common} value={field.value} required={required} pattern={field.pattern ?? undefined} title={field.rule ?? undefined} />;
    case "password":
      return <input type="password" {...common} autocomplete="off" required={required} pattern={field.pattern ?? undefined} title={field.rule ?? undefined} />;
    case "number":
      return (
        <input type="number" {...common} value={field.value} required={required} min={field.min ?? undefined} max={field.max ?? undefined} step={field.step} />
      );
    case "select":
      return (
        <select {...common} required={required}>
          {field.options.map((option) => (
            <option key={option.value} value={option.value} selected={option.value === field.value}>
              {option.label}
            </option>
          ))}
        </select>
      );
    case "file":
      return <input type="file" {...common} required={required} />;
  }
}
