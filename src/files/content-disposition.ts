/**
 * A Content-Disposition header for `filename` (RFC 6266): a plain-ASCII `filename` for old
 * clients, and `filename*` in UTF-8 (RFC 8187) so "Bericht — Müller.xlsx" arrives intact.
 */
export function contentDisposition(type: 'attachment' | 'inline', filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
