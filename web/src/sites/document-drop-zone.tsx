import { useId, useRef, useState } from 'react';

/**
 * Where documents are dropped, or chosen with the file input it labels (the keyboard's and the
 * screen reader's way in). Hands the files over; the page uploads them.
 */
export function DocumentDropZone({ disabled, onFiles }: { disabled: boolean; onFiles(files: File[]): void }) {
  const inputId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  return (
    <section
      className={`drop-zone${over ? ' over' : ''}`}
      aria-label="Upload documents"
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
        <strong>Drop documents here</strong> or{' '}
        <label htmlFor={inputId} className="link-like">
          choose files
        </label>
      </span>
      <span className="muted">PDF, Word, PowerPoint, Excel, HTML, Markdown, text</span>
      <input
        ref={input}
        id={inputId}
        type="file"
        multiple
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
