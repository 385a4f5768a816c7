import { useState } from 'react';
import type { BundleVerification } from '../../../src/governance/verify-evidence-bundle.ts';
import { DocumentDropZone } from '../sites/document-drop-zone.tsx';

type State =
  | { step: 'idle' }
  | { step: 'verifying'; name: string }
  | { step: 'done'; name: string; sizeBytes: number; result: BundleVerification };

/**
 * Drop an evidence bundle to verify it here: hashes, the record chain and every signature are
 * checked with Web Crypto in this browser (the same module as `agentruns verify`); the bundle is
 * never uploaded.
 */
export function VerifyBundle() {
  const [state, setState] = useState<State>({ step: 'idle' });
  const verify = async (file: File) => {
    setState({ step: 'verifying', name: file.name });
    const bytes = new Uint8Array(await file.arrayBuffer());
    // Loaded on first use: fflate and the verifier stay out of the script every page loads.
    const { verifyEvidenceBundle } = await import('../../../src/governance/verify-evidence-bundle.ts');
    const result = await verifyEvidenceBundle(bytes);
    setState({ step: 'done', name: file.name, sizeBytes: bytes.length, result });
  };
  return (
    <div className="editor-section">
      <DocumentDropZone
        disabled={state.step === 'verifying'}
        label="Drop an evidence bundle (.zip) here"
        hint="Checked in this browser; nothing is uploaded"
        accept=".zip,application/zip"
        onFiles={(files) => {
          const [file] = files;
          if (file) void verify(file);
        }}
      />
      {state.step === 'verifying' ? (
        <p className="muted" aria-busy="true">
          Verifying {state.name}…
        </p>
      ) : null}
      {state.step === 'done' ? <VerificationReport {...state} /> : null}
    </div>
  );
}

function VerificationReport({
  name,
  sizeBytes,
  result,
}: {
  name: string;
  sizeBytes: number;
  result: BundleVerification;
}) {
  const badEntries = result.entries.filter((e) => !e.ok);
  const badSignatures = result.signatures.filter((s) => !s.ok);
  const signed = result.signatures.filter((s) => s.signed).length;
  return (
    <section
      className={`card verdict ${result.ok ? 'verdict-ok' : 'verdict-bad'}`}
      aria-labelledby="verdict-title"
      data-verdict={result.ok ? 'verified' : 'failed'}
    >
      <div className="card-header">
        <h2 id="verdict-title">
          <span aria-hidden="true">{result.ok ? '✓ ' : '✕ '}</span>
          {result.ok ? 'Bundle verified' : 'Verification failed'}
        </h2>
        <span className="muted break">
          {name} · {(sizeBytes / 1024).toFixed(1)} kB
        </span>
      </div>
      <div className="card-body">
        <dl className="facts">
          <div>
            <dt>Entries</dt>
            <dd>
              {result.entries.length - badEntries.length} of {result.entries.length} match their SHA-256
            </dd>
          </div>
          <div>
            <dt>Record chain</dt>
            <dd>
              {result.chain
                ? result.chain.ok
                  ? `${result.chain.links} links intact`
                  : `${result.chain.problems.length} ${result.chain.problems.length === 1 ? 'problem' : 'problems'}`
                : 'not present'}
            </dd>
          </div>
          <div>
            <dt>Signatures</dt>
            <dd data-testid="signatures">
              {signed === 0 ? 'unsigned bundle' : `${signed - badSignatures.length} of ${signed} valid`}
            </dd>
          </div>
          <div className="wide">
            <dt>Keys</dt>
            <dd>
              {result.keys.length === 0
                ? 'none'
                : result.keys.map((k) => (
                    <code key={k.fingerprint} className="break" style={{ display: 'block' }}>
                      {k.fingerprint}
                    </code>
                  ))}
            </dd>
          </div>
        </dl>
        {result.problems.length > 0 ? (
          <div className="banner banner-error" role="alert">
            <ul className="problem-list">
              {result.problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          </div>
        ) : null}
        {badEntries.length > 0 ? (
          <div className="table-scroll">
            <table className="simple" aria-label="Entries that do not match">
              <thead>
                <tr>
                  <th scope="col">Entry</th>
                  <th scope="col">Problem</th>
                </tr>
              </thead>
              <tbody>
                {badEntries.map((e) => (
                  <tr key={e.path}>
                    <td className="break">
                      <code>{e.path}</code>
                    </td>
                    <td>{e.problem}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>
    </section>
  );
}
