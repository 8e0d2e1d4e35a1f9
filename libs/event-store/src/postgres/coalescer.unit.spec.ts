import { CoalescedFailure, Coalescer } from './coalescer';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Coalescer', () => {
  function recording(maxInFlight: number, maxBatch: number) {
    const batches: string[][] = [];
    const releases: (() => void)[] = [];
    const coalescer = new Coalescer<string, string>({
      maxInFlight,
      maxBatch,
      // "y+x": writes y and x; "y?x": writes y, only checks x.
      keysOf: (request) => {
        const [written, checked] = request.split('?');
        return { exclusive: written.split('+'), shared: checked ? checked.split('+') : [] };
      },
      run: async (batch) => {
        batches.push(batch);
        await new Promise<void>((resolve) => releases.push(resolve));
        return batch.map((request) =>
          request === 'bad' ? new CoalescedFailure(new Error('bad')) : `ok ${request}`,
        );
      },
    });
    return { coalescer, batches, releases };
  }

  it('sends a request at once while under the in-flight limit, and batches what queues behind', async () => {
    const { coalescer, batches, releases } = recording(1, 10);
    const first = coalescer.submit('a');
    expect(batches).toEqual([['a']]);
    const queued = ['b', 'c', 'd'].map((request) => coalescer.submit(request));
    expect(batches).toHaveLength(1);
    releases.shift()!();
    await expect(first).resolves.toBe('ok a');
    await tick();
    expect(batches[1]).toEqual(['b', 'c', 'd']);
    releases.shift()!();
    await expect(Promise.all(queued)).resolves.toEqual(['ok b', 'ok c', 'ok d']);
  });

  it('never batches overlapping requests together, nor lets one overtake another on a shared key', async () => {
    const { coalescer, batches, releases } = recording(1, 10);
    const all = ['x', 'x', 'y+x', 'y', 'z'].map((request) => coalescer.submit(request));
    while (batches.length < 4) {
      releases.shift()!();
      await tick();
    }
    expect(batches).toEqual([['x'], ['x', 'z'], ['y+x'], ['y']]);
    releases.shift()!();
    await Promise.all(all);
  });

  it('batches requests that only check the same key, but never with one that writes it', async () => {
    const { coalescer, batches, releases } = recording(1, 10);
    const all = ['a', 'b?actor', 'c?actor', 'actor', 'd?actor'].map((request) => coalescer.submit(request));
    while (batches.length < 3) {
      releases.shift()!();
      await tick();
    }
    // The write to "actor" waits for the checks before it; the check after it waits for the write.
    expect(batches).toEqual([['a'], ['b?actor', 'c?actor'], ['actor'], ['d?actor']].slice(0, batches.length));
    while (batches.length < 4) {
      releases.shift()!();
      await tick();
    }
    expect(batches).toEqual([['a'], ['b?actor', 'c?actor'], ['actor'], ['d?actor']]);
    releases.shift()!();
    await Promise.all(all);
  });

  it('caps a batch, and fails only the requests that failed', async () => {
    const { coalescer, batches, releases } = recording(1, 2);
    const first = coalescer.submit('a');
    const bad = coalescer.submit('bad');
    const rest = ['b', 'c'].map((request) => coalescer.submit(request));
    releases.shift()!();
    await first;
    await tick();
    expect(batches[1]).toEqual(['bad', 'b']);
    releases.shift()!();
    await expect(bad).rejects.toThrow('bad');
    await tick();
    expect(batches[2]).toEqual(['c']);
    releases.shift()!();
    await expect(Promise.all(rest)).resolves.toEqual(['ok b', 'ok c']);
  });
});
