import { RoleAssignment, RoleGrants } from '@certm3/domain';

/** What the executor remembers of an actor it last saw active: their stream's revision and their roles. */
export interface RememberedActor {
  readonly revision: bigint;
  readonly assignments: readonly RoleAssignment[];
}

/** What it remembers of a role: its stream's revision and what it grants. */
export interface RememberedRole {
  readonly revision: bigint | 'no_stream';
  readonly grants: RoleGrants | undefined;
}

/**
 * A bounded map forgetting the least recently used entry first. Remembered actors and roles spare a read per
 * command: a command by a remembered actor does not read the actor's stream (nor the roles that grant the
 * permission) but appends on the condition that each is still at the remembered revision, so a
 * deactivation, a revoked role or a changed role anywhere (another instance included) fails the condition,
 * and the command is decided again on a fresh read.
 */
export class Remembered<Value> {
  private readonly values = new Map<string, Value>();

  constructor(private readonly capacity = 10_000) {}

  get(key: string): Value | undefined {
    const value = this.values.get(key);
    if (value !== undefined) {
      // Re-inserted to mark it recently used (a Map iterates in insertion order).
      this.values.delete(key);
      this.values.set(key, value);
    }
    return value;
  }

  remember(key: string, value: Value): void {
    this.values.delete(key);
    this.values.set(key, value);
    if (this.values.size > this.capacity) this.values.delete(this.values.keys().next().value!);
  }

  forget(key: string): void {
    this.values.delete(key);
  }
}

export class ActiveActors extends Remembered<RememberedActor> {}
export class KnownRoles extends Remembered<RememberedRole> {}
