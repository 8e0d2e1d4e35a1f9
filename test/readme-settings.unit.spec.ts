import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditSettings } from '../apps/audit/src/audit.settings';
import { CliSettings } from '../apps/cli/src/cli.settings';
import { CommandApiSettings } from '../apps/command-api/src/command-api.settings';
import { ProjectorSettingsWithModels } from '../apps/projector/src/projector.settings';
import { PkiHttpSettings } from '../apps/pki-http/src/pki-http.settings';

/** The settings classes, by the name the README's "read by" column gives their process. */
const SETTINGS: Record<string, object> = {
  'command-api': new CommandApiSettings(),
  projector: new ProjectorSettingsWithModels(),
  'pki-http': new PkiHttpSettings(),
  audit: new AuditSettings(),
  cli: new CliSettings(),
};

interface Row {
  variables: string[];
  readBy: string[];
  defaultValue: string;
}

function readmeSettingsTable(): Row[] {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'));
  return section
    .slice(0, section.indexOf('\n## ', 3))
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [variables, readBy, defaultValue] = line
        .split('|')
        .slice(1)
        .map((cell) => cell.trim());
      return {
        variables: [...variables.matchAll(/`([A-Z0-9_]+)`/g)].map((match) => match[1]),
        readBy: readBy.split(',').map((name) => name.trim()),
        defaultValue,
      };
    });
}

describe("the README's settings table", () => {
  const rows = readmeSettingsTable();
  const documented = rows.flatMap((row) => row.variables);

  it('lists every setting of every settings class, once, and no other', () => {
    const declared = new Set(Object.values(SETTINGS).flatMap((settings) => Object.keys(settings)));
    expect([...documented].sort()).toEqual([...declared].sort());
    expect(new Set(documented).size).toBe(documented.length);
  });

  it('names processes that really read each setting, and their defaults', () => {
    for (const row of rows) {
      for (const process of row.readBy) {
        const settings = SETTINGS[process] as Record<string, unknown> | undefined;
        expect({ process, known: settings !== undefined }).toEqual({ process, known: true });
        for (const variable of row.variables) {
          expect({ variable, process, declared: variable in settings! }).toEqual({
            variable,
            process,
            declared: true,
          });
          const value = settings![variable];
          const expected = value === undefined ? 'unset' : `\`${String(value)}\``;
          expect({ variable, default: row.defaultValue }).toEqual({ variable, default: expected });
        }
      }
    }
  });
});
