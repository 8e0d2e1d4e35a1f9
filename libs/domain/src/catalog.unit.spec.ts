import { EVENT_CATALOG, EVENT_TYPES, schemaVersionOf, upcastEventData } from './catalog';

describe('event catalog', () => {
  it('knows every event type, with a schema version and its secret fields', () => {
    expect(EVENT_TYPES).toContain('UserRegistered');
    for (const type of EVENT_TYPES) expect(EVENT_CATALOG[type].schemaVersion).toBeGreaterThanOrEqual(1);
    expect(EVENT_CATALOG.UserRegistered.secretFields).toEqual(['passwordHash']);
  });

  it('upcasts an EmailReserved of version 1: its time was only the event’s occurredAt', () => {
    const metadata = { schemaVersion: 1, occurredAt: '2026-11-01T00:00:00.000Z' };
    expect(upcastEventData('EmailReserved', { userId: 'u' }, metadata)).toEqual({
      userId: 'u',
      reservedAt: '2026-11-01T00:00:00.000Z',
    });
    const current = { userId: 'u', reservedAt: '2026-12-01T00:00:00.000Z' };
    expect(upcastEventData('EmailReserved', current, { schemaVersion: 2 })).toBe(current);
    expect(schemaVersionOf('EmailReserved')).toBe(2);
    expect(schemaVersionOf('SomethingElse')).toBe(1);
  });
});
