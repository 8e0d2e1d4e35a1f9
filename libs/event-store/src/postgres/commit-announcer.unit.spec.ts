import { CommitAnnouncer } from './commit-notifier';

describe('CommitAnnouncer', () => {
  it('coalesces announcements made while one is in flight into one more, and never drops the last', async () => {
    const releases: (() => void)[] = [];
    let sent = 0;
    const announcer = new CommitAnnouncer(
      () =>
        new Promise<void>((resolve) => {
          sent++;
          releases.push(resolve);
        }),
    );
    announcer.announce();
    for (let index = 0; index < 50; index++) announcer.announce();
    expect(sent).toBe(1);
    releases.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toBe(2);
    releases.shift()!();
    await announcer.settled();
    expect(sent).toBe(2);
    announcer.announce();
    expect(sent).toBe(3);
    releases.shift()!();
    await announcer.settled();
  });

  it('keeps announcing after a failed notification', async () => {
    let calls = 0;
    const announcer = new CommitAnnouncer(async () => {
      calls++;
      if (calls === 1) throw new Error('connection lost');
    });
    announcer.announce();
    await announcer.settled();
    announcer.announce();
    await announcer.settled();
    expect(calls).toBe(2);
  });

  it('spaces notifications for steady commits, but announces the first after a quiet spell at once', async () => {
    const sentAt: number[] = [];
    const announcer = new CommitAnnouncer(async () => void sentAt.push(performance.now()), 30);
    const started = performance.now();
    announcer.announce();
    expect(sentAt).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    announcer.announce();
    announcer.announce();
    await announcer.settled();
    expect(sentAt).toHaveLength(2);
    expect(sentAt[1] - sentAt[0]).toBeGreaterThanOrEqual(29);
    await new Promise((resolve) => setTimeout(resolve, 40));
    const quietSince = performance.now();
    announcer.announce();
    expect(sentAt).toHaveLength(3);
    expect(sentAt[2] - quietSince).toBeLessThan(5);
    expect(sentAt[2] - started).toBeGreaterThan(60);
    await announcer.settled();
  });
});
