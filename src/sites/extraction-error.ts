/**
 * Extraction failed for a reason that belongs to the file (encrypted, corrupt, unsupported, a zip
 * bomb, no text layer): recorded on the document version as its `error`, never retried.
 */
export class ExtractionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExtractionError';
  }
}
