/**
 * A document's name as shown and as sent in Content-Disposition: the last path segment only
 * (`../../etc/passwd` → `passwd`, `C:\x\y.pdf` → `y.pdf`), NFC, no control or bidi-override
 * characters, no leading dots, at most 200 characters. Blobs are stored by hash, so a name never
 * reaches the file system; this keeps it harmless wherever it is shown or exported (ZIPs included).
 */
export function sanitizeFileName(raw: string): string {
  const last =
    raw
      .split(/[/\\]/)
      .filter((part) => part !== '' && part !== '.' && part !== '..')
      .at(-1) ?? '';
  const cleaned = last
    .normalize('NFC')
    // C0/C1 controls and the bidi overrides/isolates that can disguise an extension (U+202E).
    .replace(/[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu, '')
    .replace(/[<>:"|?*]/g, '_')
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '')
    .trim();
  const short = [...cleaned].slice(0, 200).join('');
  return short === '' ? 'document' : short;
}
