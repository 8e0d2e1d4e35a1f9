import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..', '..', '..', '..');

/** Type-checks each source (a file of its own importing the machinery) in one program; errors by name. */
function compileErrors(sources: Record<string, string>): Record<string, string> {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
  )!;
  const directory = mkdtempSync(join(tmpdir(), 'event-coverage-'));
  try {
    const files = Object.fromEntries(
      Object.keys(sources).map((name) => [name, join(directory, `${name}.ts`)]),
    );
    for (const [name, file] of Object.entries(files)) writeFileSync(file, sources[name]);
    const program = ts.createProgram(Object.values(files), { ...config.options, noEmit: true });
    const diagnostics = ts.getPreEmitDiagnostics(program);
    return Object.fromEntries(
      Object.entries(files).map(([name, file]) => [
        name,
        diagnostics
          .filter((diagnostic) => diagnostic.file?.fileName === file)
          .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
          .join('\n'),
      ]),
    );
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

const model = (ignores: string) => `
import { defineTable, readModelKit, text } from '@certm3/projection';
type Events = { type: 'Opened'; data: { id: string } } | { type: 'Closed'; data: { id: string } } | { type: 'Noted'; data: object };
const { defineProjection, defineReadModel } = readModelKit<Events>();
const doors = defineTable('doors', { columns: { id: text().primaryKey() } });
export const doorsModel = defineReadModel({
  name: 'doors',
  database: { setting: 'DOORS_DATABASE_URL', defaultUrl: 'postgres://localhost/doors' },
  projections: [defineProjection({ name: 'doors', tables: [doors], handlers: { Opened: (event, rows) => [rows.insert('doors', { id: event.data.id })] } })],
  ignores: [${ignores}],
  projectionVersion: 1,
});
`;

// Which events a model handles or ignores is the compiler's business, so a new event type can never halt a
// live projector by surprise. (Slow: it runs the TypeScript compiler.)
describe('a read model covers every event type, checked by the compiler', () => {
  jest.setTimeout(120_000);

  it('compiles when every type is handled or ignored, and names the types that are neither, or both', () => {
    const errors = compileErrors({
      covered: model(`'Closed', 'Noted'`),
      missing: model(`'Noted'`),
      both: model(`'Opened', 'Closed', 'Noted'`),
      unknown: model(`'Closed', 'Noted', 'Slammed'`),
    });
    expect(errors.covered).toBe('');
    expect(errors.missing).toContain(
      `'event types neither handled nor ignored (handle or ignore them)': "Closed"`,
    );
    expect(errors.both).toContain(`'event types both handled and ignored (choose one)': "Opened"`);
    expect(errors.unknown).toContain(`"Slammed"`);
  });
});
