import type { ReactNode } from 'react';
import { Dialog } from './dialog.tsx';

/** A yes-or-no question before something that cannot be undone: "keep" closes, "confirm" acts. */
export function ConfirmDialog({
  open,
  title,
  description,
  keepLabel,
  confirmLabel,
  onClose,
  onConfirm,
}: {
  open: boolean;
  title: string;
  description: ReactNode;
  keepLabel: string;
  confirmLabel: string;
  onClose(): void;
  onConfirm(): void;
}) {
  return (
    <Dialog
      open={open}
      title={title}
      description={description}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            {keepLabel}
          </button>
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => {
              onClose();
              onConfirm();
            }}
          >
            {confirmLabel}
          </button>
        </>
      }
    >
      {null}
    </Dialog>
  );
}
