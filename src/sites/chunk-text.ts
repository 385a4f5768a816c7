export interface TextChunk {
  index: number;
  /** Offsets in the extracted text (UTF-16 code units), end exclusive. */
  startChar: number;
  endChar: number;
  text: string;
}

export interface ChunkOptions {
  /** Target chunk length in characters. */
  sizeChars?: number;
  /** Characters each chunk repeats from the end of the previous one. */
  overlapChars?: number;
}

/**
 * Splits text into overlapping chunks for retrieval. 1,200 characters (about 300 tokens) keeps a
 * chunk on one topic while five of them fit any prompt; 200 characters of overlap keep a sentence
 * that straddles a boundary whole in at least one chunk. A chunk ends at the last paragraph break,
 * else line break, else sentence end, else space in its second half, so words are never cut.
 */
export function chunkText(text: string, options: ChunkOptions = {}): TextChunk[] {
  const size = options.sizeChars ?? 1200;
  const overlap = Math.min(options.overlapChars ?? 200, Math.floor(size / 2));
  const chunks: TextChunk[] = [];
  let start = skipSpace(text, 0);
  while (start < text.length) {
    let end = Math.min(start + size, text.length);
    if (end < text.length) end = breakBefore(text, start + Math.floor(size / 2), end);
    const slice = text.slice(start, end).trim();
    if (slice !== '') chunks.push({ index: chunks.length, startChar: start, endChar: end, text: slice });
    if (end >= text.length) break;
    // Step back by the overlap, then forward to the start of a word (text without spaces, e.g.
    // Chinese, just overlaps by characters); always move forward.
    const back = Math.max(end - overlap, start + 1);
    let next = back;
    while (next < end && !/\s/.test(text[next - 1] ?? ' ')) next++;
    start = skipSpace(text, next >= end ? back : next);
  }
  return chunks;
}

function skipSpace(text: string, at: number): number {
  while (at < text.length && /\s/.test(text[at] ?? '')) at++;
  return at;
}

function breakBefore(text: string, min: number, max: number): number {
  const window = text.slice(min, max);
  for (const pattern of [/\n\s*\n/g, /\n/g, /[.!?。؟]\s/g, /\s/g]) {
    let last = -1;
    for (const match of window.matchAll(pattern)) last = match.index + match[0].length;
    if (last > 0) return min + last;
  }
  return max;
}
