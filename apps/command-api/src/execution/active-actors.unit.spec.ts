import { ActiveActors } from './active-actors';

describe('active actors', () => {
  it('remembers an actor at a revision until told to forget', () => {
    const actors = new ActiveActors();
    actors.remember('a', 3n);
    expect(actors.revisionOf('a')).toBe(3n);
    actors.forget('a');
    expect(actors.revisionOf('a')).toBeUndefined();
  });

  it('forgets the least recently used actor beyond its capacity', () => {
    const actors = new ActiveActors(2);
    actors.remember('a', 1n);
    actors.remember('b', 1n);
    actors.revisionOf('a');
    actors.remember('c', 1n);
    expect(actors.revisionOf('b')).toBeUndefined();
    expect(actors.revisionOf('a')).toBe(1n);
    expect(actors.revisionOf('c')).toBe(1n);
  });
});
