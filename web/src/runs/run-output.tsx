import DOMPurify from 'dompurify';
import { marked } from 'marked';
import { useMemo } from 'react';

// Model output is untrusted. After sanitizing, images that point anywhere but a data: URL are
// replaced by their alt text (a remote image would tell a third party who read the output and
// when), and links open in a new tab without a referrer.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.nodeName === 'IMG') {
    const src = node.getAttribute('src') ?? '';
    if (!src.startsWith('data:image/')) {
      const alt = node.getAttribute('alt') || 'image';
      node.replaceWith(document.createTextNode(`[${alt}: remote image not loaded]`));
    }
  }
  if (node.nodeName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

/** Pretty JSON when the text is a JSON object or array; otherwise undefined. */
function asJson(text: string): string | undefined {
  const trimmed = text.trim();
  if (!(trimmed.startsWith('{') || trimmed.startsWith('['))) return undefined;
  try {
    return JSON.stringify(JSON.parse(trimmed), null, 2);
  } catch {
    return undefined;
  }
}

/** Renders Markdown to sanitized HTML: no script, no style, no event handlers, no forms, no frames. */
export function renderMarkdown(text: string): string {
  const html = marked.parse(text, { async: false, gfm: true, breaks: false });
  return DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'iframe', 'object', 'embed', 'textarea', 'select'],
    FORBID_ATTR: ['style'],
  });
}

/** A step's or run's output: JSON pretty-printed, anything else as sanitized Markdown. */
export function RunOutput({ text, label }: { text: string; label: string }) {
  const json = useMemo(() => asJson(text), [text]);
  const html = useMemo(() => (json === undefined ? renderMarkdown(text) : ''), [text, json]);
  if (json !== undefined)
    return (
      <div className="output" role="region" aria-label={label}>
        <pre data-format="json">{json}</pre>
      </div>
    );
  return (
    <div
      className="output markdown"
      role="region"
      aria-label={label}
      // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitized by DOMPurify in renderMarkdown
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
}
