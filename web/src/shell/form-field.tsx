import type { ReactElement, ReactNode } from 'react';
import { cloneElement } from 'react';
import { ApiError } from './api-client.ts';

/**
 * A labelled control with an optional hint and the server's message for its field: the control
 * gets the id, `aria-invalid` and `aria-describedby`, so a screen reader reads the rule with it.
 */
export function FormField({
  id,
  path,
  label,
  hint,
  message,
  children,
  style,
}: {
  id: string;
  /** The API field this edits (`steps[1].prompt`), as `data-path` for tests and scrolling to errors. */
  path?: string;
  label: ReactNode;
  hint?: ReactNode;
  message?: string | undefined;
  children: ReactElement<Record<string, unknown>>;
  style?: React.CSSProperties;
}) {
  const describedBy = describedByOf(id, hint, message);
  return (
    <div className="field" style={style} data-path={path}>
      <label htmlFor={id}>{label}</label>
      {cloneElement(children, {
        id,
        'aria-invalid': message ? true : undefined,
        'aria-describedby': describedBy,
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

/**
 * A checkbox with its label, hint and the server's message for its field, described the same way
 * as `FormField`'s control.
 */
export function CheckField({
  id,
  path,
  label,
  hint,
  message,
  checked,
  disabled,
  onChange,
}: {
  id: string;
  path?: string;
  label: ReactNode;
  hint?: ReactNode;
  message?: string | undefined;
  checked: boolean;
  disabled?: boolean;
  onChange(checked: boolean): void;
}) {
  return (
    <div className="field" data-path={path}>
      <label className="check">
        <input
          type="checkbox"
          id={id}
          checked={checked}
          disabled={disabled}
          aria-invalid={message ? true : undefined}
          aria-describedby={describedByOf(id, hint, message)}
          onChange={(e) => onChange(e.target.checked)}
        />{' '}
        {label}
      </label>
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

const describedByOf = (id: string, hint: ReactNode, message: string | undefined): string | undefined =>
  [hint ? `${id}-hint` : '', message ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;

/** The server's message for `path` when `error` is an API validation error. */
export const fieldMessage = (error: unknown, path: string): string | undefined =>
  error instanceof ApiError ? error.fieldMessage(path) : undefined;

/** The server's message for `path` or a name inside it, when `error` is an API validation error. */
export const fieldMessageWithin = (error: unknown, path: string): string | undefined =>
  error instanceof ApiError ? error.messageWithin(path) : undefined;

/** An error for the banner: none when the server named a field (it shows at the field instead). */
export const bannerError = (error: unknown): unknown =>
  error instanceof ApiError && error.details.length > 0 ? null : error;
