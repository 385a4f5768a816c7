import { GENESIS_HASH, sha256Hex } from './digest.ts';
import type { RecordBody } from './governed-record.ts';

/**
 * The hash-chain check, shared by the server (`GET /api/governance/chain`), `agentruns verify`
 * and the browser's bundle page: Web Crypto only, no Node imports.
 */

/** One stored link as the database or a bundle's `chain.jsonl` holds it. */
export interface ChainLink {
  seq: number;
  hash: string;
  prevHash: string;
  /** The canonical JSON; null when the run was deleted (a tombstone must then list the hash). */
  body: string | null;
}

export type ChainProblemKind = 'edited' | 'deleted' | 'inserted' | 'reordered' | 'broken-link';

export interface ChainProblem {
  kind: ChainProblemKind;
  seq: number;
  message: string;
}

export interface ChainCheck {
  ok: boolean;
  /** Links checked, and how many of them had a body whose hash was recomputed. */
  links: number;
  bodiesHashed: number;
  head: { seq: number; hash: string } | null;
  problems: ChainProblem[];
}

export interface ChainCheckOptions {
  /** The first seq expected (1 for a whole chain). */
  startSeq?: number;
  /** The head the caller knows of (e.g. from a signed manifest): a deleted last record shows. */
  expectedHead?: { seq: number; hash: string };
  /**
   * An export of some runs carries every link but only its runs' bodies: a link without a body is
   * then checked for its place and its link only.
   */
  bodiesOptional?: boolean;
}

function parseBody(text: string): RecordBody | undefined {
  try {
    return JSON.parse(text) as RecordBody;
  } catch {
    return undefined;
  }
}

/**
 * Checks links in the order given: every body hashes to its link's hash and names the link's seq
 * and previous hash; seqs run 1, 2, 3… without gap (deleted), repeat (inserted) or disorder
 * (reordered); each link's previous hash is the hash before it (broken link: a record edited
 * and re-hashed, or replaced). Each problem names the seq and what is wrong.
 */
export async function checkChain(
  links: readonly ChainLink[],
  options: ChainCheckOptions = {},
): Promise<ChainCheck> {
  const problems: ChainProblem[] = [];
  const add = (kind: ChainProblemKind, seq: number, message: string) => problems.push({ kind, seq, message });
  const startSeq = options.startSeq ?? 1;

  // Bodies of tombstones vouch for the hashes of the records whose bodies were removed.
  const tombstoned = new Map<number, string>();
  const bodies = new Map<ChainLink, RecordBody | undefined>();
  for (const link of links) {
    if (link.body === null) continue;
    const body = parseBody(link.body);
    bodies.set(link, body);
    if (body?.kind === 'tombstone') for (const r of body.records) tombstoned.set(r.seq, r.hash);
  }

  let bodiesHashed = 0;
  for (const link of links) {
    if (link.body === null) {
      if (options.bodiesOptional) continue;
      if (tombstoned.get(link.seq) !== link.hash)
        add('edited', link.seq, `record ${link.seq} has no content and no tombstone lists its hash`);
      continue;
    }
    bodiesHashed++;
    const actual = await sha256Hex(link.body);
    const body = bodies.get(link);
    if (actual !== link.hash) {
      add('edited', link.seq, `record ${link.seq}: its content does not match its hash (sha256 ${actual})`);
    } else if (!body) {
      add('edited', link.seq, `record ${link.seq}: its content is not JSON`);
    } else if (body.seq !== link.seq) {
      add('reordered', link.seq, `position of record ${link.seq} holds the record sealed as ${body.seq}`);
    } else if (body.prevHash !== link.prevHash) {
      add('edited', link.seq, `record ${link.seq}: its previous-hash field differs from the sealed one`);
    }
  }

  // Order: the seqs as given against 1, 2, 3…
  const seen = new Set<number>();
  let previous: ChainLink | undefined;
  for (const link of links) {
    if (seen.has(link.seq)) {
      add('inserted', link.seq, `a second record claims seq ${link.seq}`);
      continue;
    }
    seen.add(link.seq);
    const expected = previous ? previous.seq + 1 : startSeq;
    if (link.seq < expected) {
      add('reordered', link.seq, `record ${link.seq} comes after record ${previous?.seq}`);
    } else if (link.seq > expected) {
      const later = links.some((l) => l.seq >= expected && l.seq < link.seq && !seen.has(l.seq));
      if (later) add('reordered', link.seq, `record ${link.seq} comes before record ${expected}`);
      else
        add(
          'deleted',
          expected,
          link.seq - 1 === expected
            ? `record ${expected} is missing`
            : `records ${expected} to ${link.seq - 1} are missing`,
        );
    } else if (previous && link.prevHash !== previous.hash) {
      add(
        'broken-link',
        link.seq,
        `record ${link.seq} links to ${link.prevHash.slice(0, 12)}…, but record ${previous.seq} hashes to ${previous.hash.slice(0, 12)}… (record ${previous.seq} was edited and re-hashed, or replaced)`,
      );
    } else if (!previous && startSeq === 1 && link.prevHash !== GENESIS_HASH) {
      add('broken-link', link.seq, `record ${link.seq} is first but does not start the chain`);
    }
    if (!previous || link.seq > previous.seq) previous = link;
  }

  const last = links.length > 0 ? links.reduce((a, b) => (b.seq > a.seq ? b : a)) : undefined;
  const head = last ? { seq: last.seq, hash: last.hash } : null;
  const want = options.expectedHead;
  if (want && (!head || head.seq < want.seq)) {
    const from = (head?.seq ?? startSeq - 1) + 1;
    add(
      'deleted',
      from,
      from === want.seq ? `record ${from} is missing` : `records ${from} to ${want.seq} are missing`,
    );
  } else if (want && head && head.seq === want.seq && head.hash !== want.hash) {
    add('edited', head.seq, `record ${head.seq} is not the record the head names`);
  } else if (want && head && head.seq > want.seq) {
    add('inserted', want.seq + 1, `records after the known head ${want.seq} were added`);
  }
  return { ok: problems.length === 0, links: links.length, bodiesHashed, head, problems };
}
