import type { ApiError } from '../shell/api-client.ts';
import type { VariableDefinition } from '../shell/api-types.ts';

/** A variable's value as a form holds it: text, which the server coerces by the variable's type. */
export function valueToText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value, null, 2);
}

/**
 * A form generated from an agent's variable types (string, text, number, boolean, date, json,
 * file). Empty fields keep the default; the server's refusal of a value shows at its field.
 */
export function VariableFields({
  idPrefix,
  definitions,
  values,
  onChange,
  error,
  baseline,
}: {
  idPrefix: string;
  definitions: readonly VariableDefinition[];
  values: Record<string, string>;
  onChange(name: string, value: string): void;
  error: ApiError | null | undefined;
  /** What an empty field stands for (the default, or the value the run had). */
  baseline?: Record<string, unknown>;
}) {
  if (definitions.length === 0) return <p className="muted">This agent has no variables.</p>;
  return (
    <>
      {definitions.map((def) => {
        const id = `${idPrefix}-${def.name}`;
        const message = error?.fieldMessage(`variables.${def.name}`);
        const fallback = baseline && def.name in baseline ? baseline[def.name] : def.default;
        const placeholder = fallback === undefined ? '' : valueToText(fallback);
        const common = {
          id,
          name: def.name,
          'aria-invalid': message ? true : undefined,
          'aria-describedby': `${id}-hint${message ? ` ${id}-error` : ''}`,
        } as const;
        const value = values[def.name] ?? '';
        const set = (v: string) => onChange(def.name, v);
        let input: React.ReactNode;
        switch (def.type) {
          case 'text':
          case 'json':
            input = (
              <textarea
                {...common}
                rows={def.type === 'json' ? 5 : 4}
                value={value}
                placeholder={placeholder}
                onChange={(e) => set(e.target.value)}
              />
            );
            break;
          case 'boolean':
            input = (
              <select {...common} value={value} onChange={(e) => set(e.target.value)}>
                <option value="">{placeholder ? `Default (${placeholder})` : 'Not set'}</option>
                <option value="true">Yes</option>
                <option value="false">No</option>
              </select>
            );
            break;
          case 'number':
            input = (
              <input
                {...common}
                type="number"
                step="any"
                value={value}
                placeholder={placeholder}
                onChange={(e) => set(e.target.value)}
              />
            );
            break;
          case 'date':
            input = <input {...common} type="date" value={value} onChange={(e) => set(e.target.value)} />;
            break;
          default:
            input = (
              <input
                {...common}
                type="text"
                value={value}
                placeholder={placeholder}
                onChange={(e) => set(e.target.value)}
              />
            );
        }
        return (
          <div className="field" key={def.name}>
            <label htmlFor={id}>
              {def.name}
              {def.required ? <span aria-hidden="true"> *</span> : null}
              <span className="muted" style={{ fontWeight: 400 }}>
                {' '}
                · {def.type}
                {def.required ? ', required' : ''}
              </span>
            </label>
            {input}
            <span className="hint" id={`${id}-hint`}>
              {def.description ? `${def.description} ` : ''}
              {placeholder
                ? `Leave empty to use ${baseline ? 'the current value' : 'the default'}: ${placeholder.slice(0, 80)}`
                : def.required
                  ? 'Required.'
                  : 'Optional.'}
            </span>
            {message ? (
              <span className="field-error" id={`${id}-error`}>
                {message}
              </span>
            ) : null}
          </div>
        );
      })}
    </>
  );
}

/** Only the fields the user filled: the rest keep their defaults (or the run's values). */
export function filledValues(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ''));
}
