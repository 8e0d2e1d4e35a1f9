import { RetryingConnection } from './retrying-connection';

describe('a dependency connected in the background', () => {
  it('retries with backoff until it connects, reporting why it is not there meanwhile', async () => {
    let calls = 0;
    const connection = new RetryingConnection(
      'thing',
      async () => {
        if (++calls < 3) throw new Error('connection refused');
        return 'connected thing';
      },
      { initialDelayMs: 5, maxDelayMs: 20 },
    ).start();
    expect(connection.current).toBeUndefined();
    await expect(connection.whenReady()).resolves.toBe('connected thing');
    expect(connection.status()).toEqual({ state: 'connected', attempts: 3, lastError: null });
    expect(connection.current).toBe('connected thing');
  });

  it('stops retrying when closed, and disposes of what it connected', async () => {
    const never = new RetryingConnection('never', async () => Promise.reject(new Error('down')), {
      initialDelayMs: 5,
    }).start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(never.describeUnavailability()).toMatch(/never is not connected yet \(attempt \d+: down\)/);
    await never.close();
    await expect(never.whenReady()).rejects.toThrow(/closed/);

    const disposed: string[] = [];
    const up = new RetryingConnection('up', async () => 'value').start();
    await up.whenReady();
    await up.close(async (value) => void disposed.push(value));
    expect(disposed).toEqual(['value']);
  });
});
