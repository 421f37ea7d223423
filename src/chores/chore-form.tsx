import type { FormField } from "./form-fields.js";
import { CHECKED_VALUE } from "./form-fields.js";
import { CSRF_FIELD, REQUEST_KEY_FIELD, VERSION_FIELD } from "./form-names.js";

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
}

/**
 * A chore's form: one field per input, named after it, each with its label, help text (the
 * input's description and what a value must be) and its error next to it. Works without
 * JavaScript; multipart when it has a file input.
 */
export function ChoreForm(props: ChoreFormProps) {
  const hasFile = props.fields.some((field) => field.kind === "file");
  const bad = props.fields.filter((field) => Object.hasOwn(props.errors, field.name));
  return (
    <form method="post" action={props.action} enctype={hasFile ? "multipart/form-data" : "application/x-www-form-urlencoded"} class="chore-form">
      {bad.length > 0 ? (
        <div class="errors" role="alert">
          <p>
            <strong>Nothing was run.</strong> {bad.length === 1 ? "One value needs" : `${bad.length} values need`} attention:
          </p>
          <ul>
            {bad.map((field) => (
              <li key={field.name}>
                <a href={`#${fieldId(props.fields.indexOf(field))}`}>{field.name}</a>: {props.errors[field.name]}
              </li>
            ))}
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
      <p>
        <button type="submit">Run</button>
      </p>
    </form>
  );
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
