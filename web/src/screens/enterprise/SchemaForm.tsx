// A form generated from an item's JSON Schema (an object of simple properties): one labelled field per
// property, required ones marked, the audit's problem for a field shown under that field.
import type { JsonSchema } from "../../api/orders";

export type FormValues = Record<string, unknown>;

function kind(schema: JsonSchema): string {
  const t = Array.isArray(schema.type) ? schema.type.find((x) => x !== "null") : schema.type;
  return t ?? "string";
}

export function SchemaForm({
  schema,
  values,
  problems,
  onChange,
}: {
  schema: JsonSchema;
  values: FormValues;
  /** problem reason by property name (the audit's `form.<name>` fields) */
  problems: Record<string, string>;
  onChange: (values: FormValues) => void;
}) {
  const required = new Set(schema.required ?? []);
  const set = (name: string, value: unknown) => onChange({ ...values, [name]: value });
  return (
    <>
      {Object.entries(schema.properties ?? {}).map(([name, prop]) => {
        const id = `form-${name}`;
        const problem = problems[name];
        const label = (
          <span>
            {prop.title ?? name}
            {required.has(name) && <span aria-hidden="true"> *</span>}
          </span>
        );
        const common = {
          id,
          name,
          required: required.has(name),
          "aria-invalid": problem ? true : undefined,
          "aria-describedby": problem ? `${id}-problem` : undefined,
        };
        const value = values[name];
        let input;
        if (prop.enum) {
          input = (
            <select {...common} value={value === undefined ? "" : String(value)} onChange={(e) => set(name, e.target.value)}>
              <option value="" />
              {prop.enum.map((option) => (
                <option key={String(option)} value={String(option)}>
                  {String(option)}
                </option>
              ))}
            </select>
          );
        } else if (kind(prop) === "boolean") {
          input = <input {...common} type="checkbox" checked={value === true} onChange={(e) => set(name, e.target.checked)} />;
        } else if (kind(prop) === "number" || kind(prop) === "integer") {
          input = (
            <input
              {...common}
              type="number"
              step={kind(prop) === "integer" ? 1 : "any"}
              min={prop.minimum}
              max={prop.maximum}
              value={value === undefined ? "" : String(value)}
              onChange={(e) => set(name, e.target.value === "" ? undefined : Number(e.target.value))}
            />
          );
        } else {
          input = (
            <input
              {...common}
              type={prop.format === "date" ? "date" : prop.format === "email" ? "email" : "text"}
              maxLength={prop.maxLength}
              value={value === undefined ? "" : String(value)}
              onChange={(e) => set(name, e.target.value === "" ? undefined : e.target.value)}
            />
          );
        }
        return (
          <div key={name} className="field">
            <label htmlFor={id}>{label}</label>
            {input}
            {prop.description && <span className="muted small">{prop.description}</span>}
            {problem && (
              <p id={`${id}-problem`} className="field-error" role="alert">
                {problem}
              </p>
            )}
          </div>
        );
      })}
    </>
  );
}
