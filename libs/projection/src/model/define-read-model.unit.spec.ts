import { RecordedEvent } from '@certm3/event-store';
import { projectedEvent } from './define-read-model';
import {
  defineReadModel,
  readingsProjection,
  sampleModel,
  teamsProjection,
} from '../testing/sample-model.fixture';

const defined = (name: string, readerRole?: string) => () =>
  defineReadModel({
    name,
    readerRole,
    database: { setting: 'X_DATABASE_URL', defaultUrl: 'postgres://postgres@127.0.0.1:5432/x' },
    projections: [teamsProjection, readingsProjection],
    ignores: ['Pinged'],
    projectionVersion: 1,
  });

// Regression: a model's reader role went into SQL (the `DO $$` block that creates it) unchecked; and a name
// holding `__`, or of any length, made the names of its scratch schemas ambiguous or longer than
// PostgreSQL keeps.
describe('a read model definition', () => {
  it('refuses a reader role that is not a plain lower-case identifier', () => {
    expect(defined('sample', 'x$$; DROP TABLE teams; --')).toThrow(
      'reader role "x$$; DROP TABLE teams; --" of read model sample must be lower case letters, digits and underscores',
    );
    expect(defined('sample', 'Readers')).toThrow('reader role "Readers"');
    expect(defined('sample', 'sample_dashboards')().readerRole).toBe('sample_dashboards');
  });

  it('refuses a name that is not lower-case words joined by single underscores, or longer than 32', () => {
    for (const name of ['Sample', 'sample__x', 'sample_', '_sample', '1sample', 'sam-ple', 'a'.repeat(33)])
      expect(defined(name)).toThrow(
        `read model name "${name}" must be lower case letters and digits, words joined by single underscores, at most 32 characters`,
      );
    expect(sampleModel('sample_rebuild_other').readerRole).toBe('sample_rebuild_other_reader');
    expect(sampleModel('a'.repeat(32)).name).toHaveLength(32);
  });

  it('hands projections the data upcast, and the data as written beside it when the upcast changed it', () => {
    const model = defineReadModel({
      name: 'sample',
      database: { setting: 'X_DATABASE_URL', defaultUrl: 'postgres://postgres@127.0.0.1:5432/x' },
      projections: [teamsProjection, readingsProjection],
      ignores: ['Pinged'],
      projectionVersion: 1,
      upcast: (type, data, metadata) =>
        type === 'Pinged' && data.at === undefined ? { ...data, at: metadata.occurredAt } : data,
    });
    const event = (data: object): RecordedEvent => ({
      id: '0b6b7a52-1f0e-4a44-9d36-7d4b1e6c0a11',
      type: 'Pinged',
      data: data as RecordedEvent['data'],
      metadata: { occurredAt: '2026-11-29T03:00:00.000Z' },
      streamId: 'pings',
      revision: 0n,
      position: { commit: 1n, prepare: 1n },
      recordedAt: new Date(),
    });
    const old = event({ id: 1 });
    expect(projectedEvent(model, old)).toMatchObject({
      data: { id: 1, at: '2026-11-29T03:00:00.000Z' },
      recordedData: { id: 1 },
    });
    const current = event({ id: 2, at: '2026-11-29T04:00:00.000Z' });
    expect(projectedEvent(model, current)).toBe(current);
    expect(projectedEvent(model, current).recordedData).toBeUndefined();
  });
});
