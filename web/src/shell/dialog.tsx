import { type ReactNode, useEffect, useId, useRef } from 'react';

/**
 * A modal on the native `<dialog>`: the browser traps focus, Escape closes it, and the rest of
 * the page is inert while it is open. Renders nothing while closed.
 */
export function Dialog({
  open,
  title,
  description,
  onClose,
  children,
  footer,
  onSubmit,
}: {
  open: boolean;
  title: string;
  description?: ReactNode;
  onClose(): void;
  children: ReactNode;
  footer: ReactNode;
  /** Makes the dialog a form: Enter submits. */
  onSubmit?(): void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (open && dialog && !dialog.open) dialog.showModal();
  }, [open]);
  if (!open) return null;
  const inner = (
    <>
      <div className="dialog-head">
        <h2 id={titleId}>{title}</h2>
        {description ? (
          <p className="muted" style={{ margin: '4px 0 0' }}>
            {description}
          </p>
        ) : null}
      </div>
      <div className="dialog-body">{children}</div>
      <div className="dialog-foot">{footer}</div>
    </>
  );
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      {onSubmit ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            onSubmit();
          }}
        >
          {inner}
        </form>
      ) : (
        <div className="dialog-inner">{inner}</div>
      )}
    </dialog>
  );
}
