import { useId, useRef, useState } from 'react';
import './sites.css';

/**
 * Where files are dropped (documents for a Site, a bundle to verify), or chosen with the file input it labels (the keyboard's and the
 * screen reader's way in). Hands the files over; the page uploads them.
 */
export function DocumentDropZone({
  disabled,
  onFiles,
  label = 'Drop documents here',
  hint = 'PDF, Word, PowerPoint, Excel, HTML, Markdown, text',
  accept,
}: {
  disabled: boolean;
  onFiles(files: File[]): void;
  label?: string;
  hint?: string;
  /** The file input's filter; a drop is handed over as it is. */
  accept?: string;
}) {
  const inputId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  return (
    <section
      className={`drop-zone${over ? ' over' : ''}`}
      aria-label={label}
      data-testid="drop-zone"
      onDragOver={(event) => {
        event.preventDefault();
        if (!disabled) setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(event) => {
        event.preventDefault();
        setOver(false);
        if (!disabled && event.dataTransfer.files.length > 0) onFiles([...event.dataTransfer.files]);
      }}
    >
      <span className="drop-icon" aria-hidden="true">
        ⇪
      </span>
      <span>
        <strong>{label}</strong> or{' '}
        <label htmlFor={inputId} className="link-like">
          choose files
        </label>
      </span>
      <span className="muted">{hint}</span>
      <input
        ref={input}
        id={inputId}
        type="file"
        multiple={accept === undefined}
        {...(accept ? { accept } : {})}
        disabled={disabled}
        className="visually-hidden"
        data-testid="document-input"
        onChange={(event) => {
          const files = [...(event.target.files ?? [])];
          if (files.length > 0) onFiles(files);
          if (input.current) input.current.value = '';
        }}
      />
    </section>
  );
}
