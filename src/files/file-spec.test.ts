import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simulatedAnswer } from '../models/simulated-provider.ts';
import { fileKinds } from './file-kind.ts';
import { FileSpecError, fileSpecJsonSchema, parseFileSpecOrThrow } from './file-spec.ts';

describe('parseFileSpecOrThrow', () => {
  it('names every path that broke, the first three in the message', () => {
    const answer = JSON.stringify({
      sheets: [
        { name: 'A', columns: [{ header: 'x' }], rows: [[1, 2], [{ formula: '' }]] },
        { name: 'a', columns: [], rows: [] },
      ],
    });
    try {
      parseFileSpecOrThrow('spreadsheet', answer);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(FileSpecError);
      const issues = (error as FileSpecError).issues.map((i) => i.path);
      expect(issues).toEqual([
        'sheets[0].rows[1][0].formula',
        'sheets[0].rows[0]',
        'sheets[1].columns',
        'sheets[1].name',
      ]);
      expect((error as Error).message).toMatch(
        /^the model's spreadsheet spec breaks the schema at sheets\[0\]\.rows\[1\]\[0\]\.formula: .+; sheets\[1\]\.columns: .+ \(and 1 more\)$/,
      );
    }
  });

  it('refuses the sheet names Excel cannot hold, naming the rule', () => {
    const named = (name: string) =>
      JSON.stringify({ sheets: [{ name, columns: [{ header: 'x' }], rows: [] }] });
    expect(() => parseFileSpecOrThrow('spreadsheet', named('history'))).toThrow(
      'sheets[0].name: must not be History (Excel keeps that name for itself)',
    );
    expect(() => parseFileSpecOrThrow('spreadsheet', named("'Quoted"))).toThrow(
      "sheets[0].name: must not begin or end with '",
    );
    expect(parseFileSpecOrThrow('spreadsheet', named("Q1's history")).kind).toBe('spreadsheet');
  });

  it('says when the answer is not JSON at all, and accepts a fenced one', () => {
    expect(() => parseFileSpecOrThrow('image', 'Sure! Here is your chart.')).toThrow(
      /^the model's image spec is not valid JSON: /,
    );
    const fenced = '```json\n{"title":"T","blocks":[{"type":"paragraph","text":"p"}]}\n```';
    expect(parseFileSpecOrThrow('pdf', fenced)).toEqual({
      kind: 'pdf',
      spec: { title: 'T', blocks: [{ type: 'paragraph', text: 'p' }] },
    });
  });

  it('gives the model a JSON Schema of each kind', () => {
    for (const kind of fileKinds) {
      const schema = fileSpecJsonSchema(kind);
      expect(schema.type).toBe('object');
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    }
  });

  it('the simulated model answers any prompt with a valid spec of every kind', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), (prompt) => {
        for (const kind of fileKinds) {
          const answer = simulatedAnswer({ prompt, outputFormat: 'json', fileKind: kind });
          expect(parseFileSpecOrThrow(kind, answer).kind).toBe(kind);
        }
      }),
      // `|!` is a table header with no rows: the image still needs one bar.
      { numRuns: 200, examples: [['|!'], ['| a | b |\n|---|---|']] },
    );
  });
});
