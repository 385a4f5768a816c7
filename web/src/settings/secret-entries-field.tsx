/** One name and its secret value (an environment variable, a header) as the form holds it. */
export interface SecretEntry {
  name: string;
  value: string;
}

/** The entries as the API takes them, `{ NAME: value }`; rows left blank are dropped. */
export function secretEntriesToRecord(entries: SecretEntry[]): Record<string, string> | undefined {
  const filled = entries.filter((e) => e.name.trim() !== '' || e.value !== '');
  return filled.length === 0 ? undefined : Object.fromEntries(filled.map((e) => [e.name.trim(), e.value]));
}

/**
 * Name and value rows for secrets sent once (a stdio server's environment, an HTTP server's
 * headers): values are typed into password inputs and never come back from the server, only the
 * names do. `message` is the server's rule for the whole map or one of its names.
 */
export function SecretEntriesField({
  id,
  legend,
  what,
  entries,
  onChange,
  message,
  hint,
}: {
  id: string;
  legend: string;
  /** "variable" or "header": the buttons and the inputs' labels say it. */
  what: string;
  entries: SecretEntry[];
  onChange(next: SecretEntry[]): void;
  message: string | undefined;
  hint: string;
}) {
  const set = (i: number, patch: Partial<SecretEntry>) =>
    onChange(entries.map((e, j) => (j === i ? { ...e, ...patch } : e)));
  return (
    <fieldset
      className="plain-fieldset field"
      id={id}
      aria-describedby={message ? `${id}-error` : `${id}-hint`}
    >
      <legend className="field-legend">{legend}</legend>
      {entries.map((entry, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: unsaved rows have no identity but their place; inputs are controlled
        <div className="secret-entry" key={i}>
          <input
            type="text"
            aria-label={`${legend}: ${what} name ${i + 1}`}
            placeholder="NAME"
            value={entry.name}
            onChange={(e) => set(i, { name: e.target.value })}
          />
          <input
            type="password"
            autoComplete="off"
            aria-label={`${legend}: ${what} value ${i + 1}`}
            placeholder="value"
            value={entry.value}
            onChange={(e) => set(i, { value: e.target.value })}
          />
          <button
            type="button"
            className="btn btn-sm btn-ghost btn-danger"
            aria-label={`Remove ${what} ${entry.name || i + 1}`}
            onClick={() => onChange(entries.filter((_, j) => j !== i))}
          >
            Remove
          </button>
        </div>
      ))}
      <div>
        <button
          type="button"
          className="btn btn-sm"
          onClick={() => onChange([...entries, { name: '', value: '' }])}
        >
          Add {what}
        </button>
      </div>
      <span className="hint" id={`${id}-hint`}>
        {hint}
      </span>
      {message ? (
        <span className="field-error" id={`${id}-error`}>
          {message}
        </span>
      ) : null}
    </fieldset>
  );
}
