import { checkHealth } from './health-indicator';

describe('checkHealth', () => {
  it('is up when every dependency answers, with their details', async () => {
    const report = await checkHealth([
      { name: 'postgres', check: async () => undefined },
      { name: 'nats', check: async () => ({ roundTripMs: 1 }) },
    ]);
    expect(report).toEqual({
      status: 'up',
      checks: { postgres: { status: 'up' }, nats: { status: 'up', roundTripMs: 1 } },
    });
  });

  it('is down when any dependency fails, naming it and the reason', async () => {
    const report = await checkHealth([
      { name: 'postgres', check: async () => undefined },
      { name: 'eventStore', check: async () => Promise.reject(new Error('connection refused')) },
    ]);
    expect(report).toEqual({
      status: 'down',
      checks: { postgres: { status: 'up' }, eventStore: { status: 'down', error: 'connection refused' } },
    });
  });

  it('counts a dependency that does not answer in time as down', async () => {
    jest.useFakeTimers();
    try {
      const pending = checkHealth([{ name: 'nats', check: () => new Promise(() => undefined) }]);
      await jest.advanceTimersByTimeAsync(2_500);
      expect(await pending).toEqual({
        status: 'down',
        checks: { nats: { status: 'down', error: 'no answer within 2000 ms' } },
      });
    } finally {
      jest.useRealTimers();
    }
  });
});
