/** Scratch databases for the stages, remembered so that the run drops them all at the end. */
import { createScratchDatabase, ScratchDatabase } from '../../test/support/scratch-database';

const scratch: ScratchDatabase[] = [];

export async function scratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const created = await createScratchDatabase(prefix);
  scratch.push(created);
  return created;
}

/** Drops every scratch database created so far; a failed drop is ignored (the run is over either way). */
export async function dropScratchDatabases(): Promise<void> {
  for (const database of scratch) await database.drop().catch(() => undefined);
}
