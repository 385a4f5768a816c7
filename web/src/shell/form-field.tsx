import type { ReactElement, ReactNode } from 'react';
import { cloneElement } from 'react';
import { ApiError } from './api-client.ts';

/**
 * A labelled control with an optional hint and the server's message for its field: the control
 * gets the id, `aria-invalid` and `aria-describedby`, so a screen reader reads the rule with it.
 */
export function FormField({
  id,
  label,
  hint,
  message,
  children,
  style,
}: {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  message?: string | undefined;
  children: ReactElement<Record<string, unknown>>;
  style?: React.CSSProperties;
}) {
  const describedBy = [hint ? `${id}-hint` : '', message ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className="field" style={style}>
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

/** The server's message for `path` when `error` is an API validation error. */
export const fieldMessage = (error: unknown, path: string): string | undefined =>
  error instanceof ApiError ? error.fieldMessage(path) : undefined;

/** The server's message for `path` or a name inside it, when `error` is an API validation error. */
export const fieldMessageWithin = (error: unknown, path: string): string | undefined =>
  error instanceof ApiError ? error.messageWithin(path) : undefined;

/** An error for the banner: none when the server named a field (it shows at the field instead). */
export const bannerError = (error: unknown): unknown =>
  error instanceof ApiError && error.details.length > 0 ? null : error;
