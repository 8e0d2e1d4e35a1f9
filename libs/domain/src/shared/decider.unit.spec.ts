import { Decider, foldEvents } from './decider';
import { DomainError } from './domain-error';
import { metadataProblems } from './event-metadata';

type CounterEvent = { type: 'Incremented'; by: number };
const counter: Decider<{ add: number }, CounterEvent, number> = {
  initialState: 0,
  decide: ({ add }) => {
    if (add <= 0) throw new DomainError('VALIDATION_FAILED', 'only positive increments');
    return [{ type: 'Incremented', by: add }];
  },
  evolve: (state, event) => state + event.by,
};

describe('decider helpers', () => {
  it('folds events from the initial state', () => {
    expect(foldEvents(counter, [])).toBe(0);
    expect(foldEvents(counter, counter.decide({ add: 2 }, 0).concat(counter.decide({ add: 3 }, 2)))).toBe(5);
  });

  it('reports refusals as domain errors with a stable code', () => {
    expect(() => counter.decide({ add: 0 }, 0)).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
  });
});

describe('event metadata', () => {
  const complete = {
    eventId: '0b7a2d4e-57a3-4d57-9c3e-3f2b0d6d8a11',
    commandId: '1b7a2d4e-57a3-4d57-9c3e-3f2b0d6d8a11',
    correlationId: '2b7a2d4e-57a3-4d57-9c3e-3f2b0d6d8a11',
    causationId: '1b7a2d4e-57a3-4d57-9c3e-3f2b0d6d8a11',
    actorId: '3b7a2d4e-57a3-4d57-9c3e-3f2b0d6d8a11',
    occurredAt: '2026-11-23T02:00:00.000Z',
    schemaVersion: 1,
  };

  it('accepts complete metadata', () => {
    expect(metadataProblems(complete)).toEqual([]);
  });

  it('names every missing or malformed field', () => {
    expect(
      metadataProblems({ ...complete, actorId: 'root', occurredAt: '2026-11-23 02:00', schemaVersion: 0 }),
    ).toEqual([
      'actorId must be a UUID',
      'occurredAt must be an ISO-8601 UTC timestamp',
      'schemaVersion must be a positive integer',
    ]);
  });
});
