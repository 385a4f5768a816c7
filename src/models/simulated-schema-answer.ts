/**
 * The simulated model's answer to a call that asks for JSON matching a schema (a benchmark judge,
 * for one): a value that satisfies the common schema keywords (object properties, arrays, enums,
 * numbers within `minimum`/`maximum`, strings). Numbers sit at `fraction` of their range, so a
 * judge through `simulated/score-0.9` scores 0.9 and one through `simulated/default` scores what
 * the prompt's digest says: deterministic either way.
 */
export function simulatedSchemaAnswer(
  schema: Record<string, unknown>,
  fraction: number,
  excerpt: string,
): unknown {
  const fill = (node: unknown): unknown => {
    if (typeof node !== 'object' || node === null) return null;
    const s = node as Record<string, unknown>;
    if (Array.isArray(s.enum) && s.enum.length > 0)
      return s.enum[Math.min(s.enum.length - 1, Math.floor(fraction * s.enum.length))];
    const type = Array.isArray(s.type) ? s.type[0] : s.type;
    switch (type) {
      case 'object': {
        const properties = (s.properties ?? {}) as Record<string, unknown>;
        return Object.fromEntries(Object.entries(properties).map(([key, child]) => [key, fill(child)]));
      }
      case 'array':
        return [fill(s.items)];
      case 'number':
      case 'integer': {
        const min = typeof s.minimum === 'number' ? s.minimum : 0;
        const max = typeof s.maximum === 'number' ? s.maximum : 1;
        const value = min + fraction * (max - min);
        return type === 'integer' ? Math.round(value) : Math.round(value * 1000) / 1000;
      }
      case 'boolean':
        return fraction >= 0.5;
      case 'string':
        return `Simulated judgement: ${excerpt}`.slice(0, 300);
      default:
        return null;
    }
  };
  return fill(schema);
}

/** `simulated/score-0.8` → 0.8; any other simulated model: a fraction read off the digest. */
export function simulatedScoreFraction(model: string | undefined, digest: string): number {
  const pinned = /^simulated\/score-(\d(?:\.\d+)?)$/.exec(model ?? '')?.[1];
  if (pinned !== undefined) return Math.min(1, Number(pinned));
  return Number.parseInt(digest.slice(0, 6), 16) / 0xffffff;
}
