import { useQuery } from '@tanstack/react-query';
import type { DocumentBlock, TableSpec } from '../../../src/files/document-spec.ts';
import type { FilePreview as Preview } from '../../../src/files/file-preview.ts';
import type { Cell } from '../../../src/files/spreadsheet-spec.ts';
import type { FileView } from '../../../src/files/stored-file.ts';
import { api } from '../shell/api-client.ts';

const sizeText = (bytes: number) =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 ** 2
      ? `${(bytes / 1024).toFixed(1)} kB`
      : `${(bytes / 1024 ** 2).toFixed(1)} MB`;

const kindLabels: Record<FileView['kind'], string> = {
  spreadsheet: 'Spreadsheet',
  document: 'Word document',
  pdf: 'PDF',
  presentation: 'Presentation',
  image: 'Image',
};

/** The files a step generated (SPEC D6): each with a preview and a download link. */
export function GeneratedFiles({ files }: { files: FileView[] }) {
  if (files.length === 0) return null;
  return (
    <section className="generated-files" aria-label="Generated files">
      {files.map((file) => (
        <article key={file.id} className="file-card" data-file={file.name}>
          <header className="file-card-head">
            <span className="pill">{kindLabels[file.kind]}</span>
            <strong className="grow break">{file.name}</strong>
            <span className="muted">{sizeText(file.sizeBytes)}</span>
            <a className="btn btn-sm" href={file.url} download={file.name}>
              Download
            </a>
          </header>
          <div className="file-card-body">
            {file.kind === 'image' ? (
              <img
                src={file.previewUrl}
                alt={`Preview of ${file.name}`}
                className="file-image"
                loading="lazy"
              />
            ) : (
              <SpecPreview file={file} />
            )}
          </div>
        </article>
      ))}
    </section>
  );
}

/** The first sheet, page or slide, as the server reads it from the spec the file was rendered from. */
function SpecPreview({ file }: { file: FileView }) {
  const preview = useQuery({
    queryKey: ['file-preview', file.id],
    queryFn: () => api<{ preview: Preview }>('GET', file.previewUrl),
    staleTime: Number.POSITIVE_INFINITY,
  });
  if (preview.isPending) return <p className="muted">Loading the preview…</p>;
  if (preview.error) return <p className="field-error">No preview: {preview.error.message}</p>;
  const p = preview.data.preview;
  switch (p.type) {
    case 'sheet':
      return (
        <div>
          <p className="muted file-caption">
            Sheet “{p.sheet}”{p.sheetCount > 1 ? ` (1 of ${p.sheetCount})` : ''} · {p.rowCount} rows
            {p.rowCount > p.rows.length ? `, first ${p.rows.length} shown` : ''}
          </p>
          <SimpleTable
            columns={p.columns}
            rows={p.rows.map((row) => row.map(cellText))}
            label={`${file.name} preview`}
          />
        </div>
      );
    case 'page':
      return (
        <div className="page-preview">
          <h4>{p.title}</h4>
          {p.blocks.map((block, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: blocks are a fixed list in document order
            <Block key={i} block={block} />
          ))}
          {p.blockCount > p.blocks.length ? (
            <p className="muted">… {p.blockCount - p.blocks.length} more blocks in the file</p>
          ) : null}
        </div>
      );
    case 'slide':
      return (
        <div className="slide-preview">
          <div className="slide">
            <h4>{p.title}</h4>
            {p.subtitle ? <p className="muted">{p.subtitle}</p> : null}
          </div>
          {p.firstSlide ? (
            <div className="slide">
              <h4>{p.firstSlide.title}</h4>
              {p.firstSlide.bullets.length > 0 ? (
                <ul>
                  {p.firstSlide.bullets.map((b) => (
                    <li key={b}>{b}</li>
                  ))}
                </ul>
              ) : null}
              {p.firstSlide.table ? <TablePreview table={p.firstSlide.table} label="Slide table" /> : null}
            </div>
          ) : null}
          <p className="muted file-caption">{p.slideCount} slides</p>
        </div>
      );
    case 'image':
      return <p className="muted">{p.title ?? 'Chart'}</p>;
    default: {
      const unreachable: never = p;
      return unreachable;
    }
  }
}

function cellText(cell: Cell): string {
  if (cell === null) return '';
  if (typeof cell === 'object') return `=${(cell as { formula: string }).formula}`;
  return String(cell);
}

function Block({ block }: { block: DocumentBlock }) {
  switch (block.type) {
    case 'heading':
      return block.level === 1 ? <h4>{block.text}</h4> : <h5>{block.text}</h5>;
    case 'paragraph':
      return <p>{block.text}</p>;
    case 'bullets':
      return block.ordered ? (
        <ol>
          {block.items.map((item) => (
            <li key={item}>{item}</li>
          ))}
        </ol>
      ) : (
        <ul>
          {block.items.map((item) => (
            <li key={item}>{item}</li>
          ))}
        </ul>
      );
    case 'table':
      return <TablePreview table={block.table} label="Table" />;
    default: {
      const unreachable: never = block;
      return unreachable;
    }
  }
}

function TablePreview({ table, label }: { table: TableSpec; label: string }) {
  return (
    <SimpleTable
      columns={table.columns}
      rows={table.rows.map((row) => row.map((c) => (c === null ? '' : String(c))))}
      label={label}
    />
  );
}

function SimpleTable({ columns, rows, label }: { columns: string[]; rows: string[][]; label: string }) {
  return (
    <div className="table-scroll">
      <table className="simple preview-table" aria-label={label}>
        <thead>
          <tr>
            {columns.map((c, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: two columns may share a header
              <th key={i} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, r) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: preview rows are a fixed list in sheet order
            <tr key={r}>
              {row.map((cell, c) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: cells are positional
                <td key={c}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
