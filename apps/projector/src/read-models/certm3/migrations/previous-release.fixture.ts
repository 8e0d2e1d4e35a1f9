/**
 * The previous release's read-model migrations, exactly as apps/projector/src/read-model/migrations.ts had
 * them (tables in schema certm3, kysely's migration tables beside them): the legacy migration's test builds a
 * database with it, the way that release did. Test fixture only; nothing else may import it.
 */
import { Kysely, Migration, MigrationProvider, Migrator, sql } from 'kysely';

/**
 * The certM3 read model's schema, as kysely migrations parameterised by the PostgreSQL schema they build
 * in: `certm3` for the live tables, another name for a rebuild or a verification beside them. Names of
 * tables, columns, keys and indexes are seed 000's, to the letter.
 */
export function certm3Migrations(schema: string): Record<string, Migration> {
  const s = sql.id(schema);
  return {
    '0001_certm3_tables': {
      async up(db) {
        await sql`CREATE SCHEMA IF NOT EXISTS ${s}`.execute(db);
        const inSchema = db.schema.withSchema(schema);
        await inSchema
          .createTable('users')
          .addColumn('id', 'uuid', (c) => c.primaryKey())
          .addColumn('username', 'varchar(255)', (c) => c.notNull())
          .addColumn('email', 'varchar(255)', (c) => c.notNull())
          .addColumn('password_hash', 'varchar(255)', (c) => c.notNull())
          .addColumn('is_active', 'boolean', (c) => c.notNull().defaultTo(true))
          .addColumn('created_at', 'timestamp', (c) => c.notNull())
          .addColumn('updated_at', 'timestamp', (c) => c.notNull())
          .addColumn('updated_by', 'uuid', (c) => c.references('users.id'))
          .execute();
        // Constraint 5: emails are unique across users (the write side compares them case-insensitively).
        await inSchema.createIndex('users_email_idx').unique().on('users').column('email').execute();

        await inSchema
          .createTable('groups')
          .addColumn('name', 'varchar(255)', (c) => c.primaryKey())
          .addColumn('description', 'text')
          .addColumn('created_at', 'timestamp', (c) => c.notNull())
          .addColumn('updated_at', 'timestamp', (c) => c.notNull())
          .addColumn('updated_by', 'uuid', (c) => c.references('users.id'))
          .execute();

        await inSchema
          .createTable('user_groups')
          .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id'))
          .addColumn('group_name', 'varchar(255)', (c) => c.notNull().references('groups.name'))
          .addColumn('created_at', 'timestamp', (c) => c.notNull())
          .addColumn('created_by', 'uuid', (c) => c.references('users.id'))
          // Constraint 7: a user is in a group at most once.
          .addPrimaryKeyConstraint('user_groups_pkey', ['user_id', 'group_name'])
          .execute();
        await inSchema.createIndex('user_groups_user_id_idx').on('user_groups').column('user_id').execute();
        await inSchema
          .createIndex('user_groups_group_name_idx')
          .on('user_groups')
          .column('group_name')
          .execute();

        await inSchema
          .createTable('certificates')
          .addColumn('id', 'uuid', (c) => c.primaryKey())
          .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id'))
          .addColumn('certificate_data', 'text', (c) => c.notNull())
          .addColumn('status', 'varchar(50)', (c) => c.notNull())
          .addColumn('revocation_reason', 'text')
          .addColumn('revoked_at', 'timestamp')
          .addColumn('revoked_by', 'uuid', (c) => c.references('users.id'))
          .addColumn('created_at', 'timestamp', (c) => c.notNull())
          .addColumn('updated_at', 'timestamp', (c) => c.notNull())
          .addColumn('updated_by', 'uuid', (c) => c.references('users.id'))
          .addCheckConstraint('certificates_status_check', sql`status IN ('active', 'revoked', 'expired')`)
          .execute();
        await inSchema.createIndex('certificates_user_id_idx').on('certificates').column('user_id').execute();
        await inSchema.createIndex('certificates_status_idx').on('certificates').column('status').execute();

        await inSchema
          .createTable('projector_checkpoint')
          .addColumn('projection', 'text', (c) => c.primaryKey())
          .addColumn('position', 'text')
          .addColumn('events_applied', 'bigint', (c) => c.notNull().defaultTo(0))
          .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
          .execute();
        await inSchema
          .createTable('projector_skipped_events')
          .addColumn('id', 'serial', (c) => c.primaryKey())
          .addColumn('position', 'text', (c) => c.notNull())
          .addColumn('stream_id', 'text', (c) => c.notNull())
          .addColumn('stream_revision', 'bigint', (c) => c.notNull())
          .addColumn('event_type', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('skipped_at', 'timestamptz', (c) => c.notNull())
          .execute();
      },
    },
    '0002_defence_in_depth': {
      async up(db) {
        // Constraints 1, 2 and 4, enforced by the database too: whatever writes here cannot break them.
        await sql`
          CREATE FUNCTION ${s}.refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            RAISE EXCEPTION 'rows of %.% are never deleted (certM3 constraints 1 and 2)', TG_TABLE_SCHEMA, TG_TABLE_NAME
              USING ERRCODE = 'integrity_constraint_violation';
          END $$`.execute(db);
        for (const table of ['users', 'certificates']) {
          await sql`CREATE TRIGGER ${sql.id(`${table}_refuse_delete`)} BEFORE DELETE ON ${s}.${sql.id(table)}
                    FOR EACH ROW EXECUTE FUNCTION ${s}.refuse_delete()`.execute(db);
          await sql`CREATE TRIGGER ${sql.id(`${table}_refuse_truncate`)} BEFORE TRUNCATE ON ${s}.${sql.id(table)}
                    FOR EACH STATEMENT EXECUTE FUNCTION ${s}.refuse_delete()`.execute(db);
        }
        await sql`
          CREATE FUNCTION ${s}.refuse_leaving_users_group() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF OLD.group_name = 'users' THEN
              RAISE EXCEPTION 'no user can be removed from the group "users" (certM3 constraint 4)'
                USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN OLD;
          END $$`.execute(db);
        await sql`CREATE TRIGGER user_groups_keep_users_group BEFORE DELETE ON ${s}.user_groups
                  FOR EACH ROW EXECUTE FUNCTION ${s}.refuse_leaving_users_group()`.execute(db);
        await sql`CREATE TRIGGER user_groups_refuse_truncate BEFORE TRUNCATE ON ${s}.user_groups
                  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.refuse_delete()`.execute(db);
      },
    },
    '0003_reader_role': {
      async up(db) {
        // Dashboards connect as (or through) certm3_reader: it can read the tables and nothing else.
        await sql`
          DO $$ BEGIN
            CREATE ROLE certm3_reader NOLOGIN;
          EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
          END $$`.execute(db);
        await sql`GRANT USAGE ON SCHEMA ${s} TO certm3_reader`.execute(db);
        await sql`GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO certm3_reader`.execute(db);
      },
    },
  };
}

class InMemoryMigrations implements MigrationProvider {
  constructor(private readonly migrations: Record<string, Migration>) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return this.migrations;
  }
}

/**
 * Migrates `schema` to the latest version. Kysely creates the schema of its migration table race-safely and
 * serialises concurrent runs with an advisory lock, so projectors may start together.
 */
export async function migrateReadModel(db: Kysely<unknown>, schema: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: new InMemoryMigrations(certm3Migrations(schema)),
    migrationTableSchema: schema,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new Error(
      `read model migration ${failed ?? ''} failed in schema ${schema}: ${(error as Error).message ?? error}`,
    );
  }
}
