import type { ReactElement, ReactNode } from 'react';
import { cloneElement } from 'react';
import type { ApiError } from '../shell/api-client.ts';

/** A labelled input with its hint and the server's message for `path` (`steps[1].prompt`). */
export function Field({
  path,
  label,
  hint,
  error,
  children,
}: {
  path: string;
  label: ReactNode;
  hint?: ReactNode;
  error: ApiError | null;
  children: ReactElement<Record<string, unknown>>;
}) {
  const id = `f-${path.replace(/[^a-zA-Z0-9]+/g, '-')}`;
  const message = error?.fieldMessage(path);
  const describedBy = [hint ? `${id}-hint` : '', message ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className="field" data-path={path}>
      <label htmlFor={id}>{label}</label>
      {cloneElement(children, {
        id,
        'aria-invalid': message ? true : undefined,
        'aria-describedby': describedBy || undefined,
      })}
      {hint ? (
        <span className="hint" id={`${id}-hint`}>
          {hint}
        </span>
      ) : null}
      {message ? (
        <span className="field-error" id={`${id}-error`}>
          {message}
        </span>
      ) : null}
    </div>
  );
}
