import { ActiveActors } from './active-actors';

const at = (revision: bigint) => ({ revision, assignments: [] });

describe('remembered actors', () => {
  it('remembers an actor at a revision until told to forget', () => {
    const actors = new ActiveActors();
    actors.remember('a', at(3n));
    expect(actors.get('a')?.revision).toBe(3n);
    actors.forget('a');
    expect(actors.get('a')).toBeUndefined();
  });

  it('forgets the least recently used actor beyond its capacity', () => {
    const actors = new ActiveActors(2);
    actors.remember('a', at(1n));
    actors.remember('b', at(1n));
    actors.get('a');
    actors.remember('c', at(1n));
    expect(actors.get('b')).toBeUndefined();
    expect(actors.get('a')?.revision).toBe(1n);
    expect(actors.get('c')?.revision).toBe(1n);
  });
});
