import type { ApiError } from '../shell/api-client.ts';
import { FormField } from '../shell/form-field.tsx';
import type { StepOutputDraft } from './agent-draft.ts';

/** The file kinds a step can render (`src/files/file-kind.ts`), with what each makes. */
const fileKindOptions: Array<[StepOutputDraft['kind'], string]> = [
  ['document', 'Word document (.docx)'],
  ['pdf', 'PDF'],
  ['spreadsheet', 'Spreadsheet (.xlsx)'],
  ['presentation', 'Presentation (.pptx)'],
  ['image', 'Chart image (.png)'],
];

/**
 * What a step outputs: text (the default), JSON (optionally held to a JSON Schema) or a generated
 * file the server renders from the model's answer. Server refusals show at `steps[i].output.*`.
 */
export function StepOutputField({
  index,
  output,
  error,
  onChange,
}: {
  index: number;
  output: StepOutputDraft;
  error: ApiError | null;
  onChange(next: StepOutputDraft): void;
}) {
  const path = `steps[${index}].output`;
  const id = `f-steps-${index}-output`;
  const message = (field: string) => error?.fieldMessage(`${path}.${field}`);
  return (
    <div className="editor-section step-output" data-path={path}>
      <div className="grid-3">
        <FormField
          id={`${id}-format`}
          label={`Step ${index + 1} output`}
          message={message('format') ?? error?.fieldMessage(path)}
        >
          <select
            value={output.format}
            onChange={(e) => onChange({ ...output, format: e.target.value as StepOutputDraft['format'] })}
          >
            <option value="text">Text (Markdown)</option>
            <option value="json">JSON</option>
            <option value="file">A generated file</option>
          </select>
        </FormField>
        {output.format === 'file' ? (
          <>
            <FormField id={`${id}-kind`} label={`Step ${index + 1} file kind`} message={message('kind')}>
              <select
                value={output.kind}
                onChange={(e) => onChange({ ...output, kind: e.target.value as StepOutputDraft['kind'] })}
              >
                {fileKindOptions.map(([kind, label]) => (
                  <option key={kind} value={kind}>
                    {label}
                  </option>
                ))}
              </select>
            </FormField>
            <FormField
              id={`${id}-file-name`}
              label={`Step ${index + 1} file name`}
              hint="Without extension; the step key by default"
              message={message('fileName')}
            >
              <input
                type="text"
                value={output.fileName}
                onChange={(e) => onChange({ ...output, fileName: e.target.value })}
              />
            </FormField>
          </>
        ) : null}
      </div>
      {output.format === 'json' ? (
        <FormField
          id={`${id}-schema`}
          label={`Step ${index + 1} JSON Schema`}
          hint="Optional: the answer must satisfy it"
          message={message('schema')}
        >
          <textarea
            rows={5}
            className="mono"
            placeholder={'{ "type": "object", "properties": { "score": { "type": "number" } } }'}
            value={output.schema}
            onChange={(e) => onChange({ ...output, schema: e.target.value })}
          />
        </FormField>
      ) : null}
    </div>
  );
}
