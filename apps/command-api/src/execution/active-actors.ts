/**
 * Actors this instance last saw active, with their stream's revision then. A command by a remembered
 * actor does not read the actor's stream: it appends on the condition that the stream is still at that
 * revision, so a deactivation anywhere (another instance included) fails the condition, and the command
 * is decided again on a fresh read. Bounded; the least recently used actor is forgotten first.
 */
export class ActiveActors {
  private readonly revisions = new Map<string, bigint>();

  constructor(private readonly capacity = 10_000) {}

  revisionOf(actorId: string): bigint | undefined {
    const revision = this.revisions.get(actorId);
    if (revision !== undefined) {
      // Re-inserted to mark it recently used (a Map iterates in insertion order).
      this.revisions.delete(actorId);
      this.revisions.set(actorId, revision);
    }
    return revision;
  }

  remember(actorId: string, revision: bigint): void {
    this.revisions.delete(actorId);
    this.revisions.set(actorId, revision);
    if (this.revisions.size > this.capacity) this.revisions.delete(this.revisions.keys().next().value!);
  }

  forget(actorId: string): void {
    this.revisions.delete(actorId);
  }
}
