import type { ReactElement, ReactNode } from 'react';
import type { ApiError } from '../shell/api-client.ts';
import { FormField } from '../shell/form-field.tsx';

/** The id of the control that edits `path` (`steps[1].prompt` → `f-steps-1-prompt`). */
export const fieldId = (path: string) => `f-${path.replace(/[^a-zA-Z0-9]+/g, '-')}`;

/** A labelled input of the agent form with its hint and the server's message for `path`. */
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
  return (
    <FormField id={fieldId(path)} path={path} label={label} hint={hint} message={error?.fieldMessage(path)}>
      {children}
    </FormField>
  );
}
