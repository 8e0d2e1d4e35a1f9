import { ClientBase } from 'pg';
import { bookkeepingContents } from '../bookkeeping/bookkeeping';
import { ReadModel, SCHEMA_SYNC_LOCK } from '../model/define-read-model';
import { withSessionLock } from '../support/session';
import { runMigrations } from './migrations';
import { grantReader, restrictDatabase, SchemaMismatchError, syncSchema } from './sync-schema';

/**
 * Brings the model's live schemas to its definition: its migrations first (what sync cannot do), then
 * sync (create what is missing), then a comparison of the catalog with the definition, then the reader
 * role's grants. Under one advisory lock, so projectors starting together take turns. Throws
 * SchemaMismatchError naming every difference sync could not remove.
 */
export async function prepareReadModel(
  client: ClientBase,
  model: ReadModel,
  log: (message: string) => void = () => undefined,
): Promise<void> {
  const layout = model.liveLayout;
  const bookkeeping = bookkeepingContents(model.name);
  await withSessionLock(client, SCHEMA_SYNC_LOCK, async () => {
    await runMigrations(client, model.migrations, layout, log);
    const differences = [
      ...(await syncSchema(client, model.tableContents, layout.tables)),
      ...(await syncSchema(client, bookkeeping, layout.bookkeeping)),
    ];
    if (differences.length) throw new SchemaMismatchError(model.name, differences);
    await grantReader(client, model.readerRole, [
      {
        schema: layout.tables,
        names: [
          ...model.tableContents.tables.map((table) => ({
            name: table.name,
            columns: Object.keys(table.columns),
            // Every column hidden: no grant at all, and any the reader holds is revoked.
            hidden: table.closedToReader ? Object.keys(table.columns) : table.hiddenFromReader,
          })),
          ...model.tableContents.views.map((view) => view.name),
        ],
      },
      {
        schema: layout.bookkeeping,
        names: [...bookkeeping.tables, ...bookkeeping.views].map((object) => object.name),
      },
    ]);
    if (model.restrictedDatabase) await restrictDatabase(client, model.readerRole);
  });
}
