/**
 * The in-toto Statement v1 a receipt carries. Its own module, free of Node imports, because the
 * browser's drop-a-bundle verifier (`verify-evidence-bundle.ts`, bundled into the web UI) reads it
 * too, while `receipt.ts`, which signs with `node:crypto` and Sigstore, must stay on the server.
 */
export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';

export interface InTotoStatement {
  _type: typeof IN_TOTO_STATEMENT_TYPE;
  subject: Array<{ name: string; digest: { sha256: string } }>;
  predicateType: string;
  predicate: Record<string, unknown>;
}
