import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPES } from '@certm3/domain';
import { certm3Model } from './certm3.model';
import { DOCUMENTED_TABLES } from './documented-schema.fixture';

// Adding a table touches its definition and its projection (docs/adding-a-table.md); these hold the rest.
describe('the certm3 read model', () => {
  it('has exactly the documented tables, each written by one projection', () => {
    expect(certm3Model.tables.map((table) => table.name).sort()).toEqual(
      Object.keys(DOCUMENTED_TABLES).sort(),
    );
    const owners = certm3Model.projections.flatMap((projection) =>
      projection.tables.map((table) => table.name),
    );
    expect(new Set(owners).size).toBe(owners.length);
  });

  it('has a spec beside every projection', () => {
    const folder = join(__dirname, 'projections');
    const projections = readdirSync(folder).filter((file) => file.endsWith('.projection.ts'));
    expect(projections.length).toBe(certm3Model.projections.length);
    for (const file of projections)
      expect({ file, spec: existsSync(join(folder, file.replace(/\.ts$/, '.int.spec.ts'))) }).toEqual({
        file,
        spec: true,
      });
  });

  it('handles or ignores every event type of the catalogue (the compiler checks it too)', () => {
    const uncovered = EVENT_TYPES.filter(
      (type) => !certm3Model.handlersByType.has(type) && !certm3Model.ignored.has(type),
    );
    expect(uncovered).toEqual([]);
  });

  it('keeps its name, database setting and reader role, which deployments and dashboards depend on', () => {
    expect(certm3Model).toMatchObject({
      name: 'certm3',
      database: { setting: 'CERTM3_DATABASE_URL', defaultUrl: 'postgres://postgres@127.0.0.1:5432/certm3' },
      readerRole: 'certm3_reader',
      liveLayout: { tables: 'public', bookkeeping: 'certm3', live: true },
    });
    expect(certm3Model.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });
});
