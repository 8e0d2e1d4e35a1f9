import { eventIdFor, uuidV5 } from './event-ids';

describe('event ids', () => {
  it('computes RFC 9562 version-5 UUIDs', () => {
    // Reference values from Python's uuid.uuid5.
    expect(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '886313e1-3b8a-5372-9b90-0c9aee199e5d',
    );
    expect(uuidV5('https://example.com/', '6ba7b811-9dad-11d1-80b4-00c04fd430c8')).toBe(
      'dd2c1780-811a-5296-81c5-178a0ef488bc',
    );
  });

  it('gives the same id for the same command and index, and different ids otherwise', () => {
    const command = 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d';
    expect(eventIdFor(command, 0)).toBe(eventIdFor(command.toUpperCase(), 0));
    expect(eventIdFor(command, 0)).not.toBe(eventIdFor(command, 1));
    expect(eventIdFor(command, 0)).not.toBe(eventIdFor('b0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d', 0));
    expect(eventIdFor(command, 3)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
