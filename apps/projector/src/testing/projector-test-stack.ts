import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { Kysely, PostgresDialect } from 'kysely';
import { Client, Pool } from 'pg';
import { CommandReply } from '@certm3/contracts';
import { collect, eventIdFor, EventStore, parsePosition, PostgresEventStore } from '@certm3/event-store';
import { createTestCertificate } from '@certm3/test-support/certificates';
import { startCommandApiInProcess } from '../../../command-api/src/testing/in-process-command-api';
import { CommandClient } from '@certm3/test-support/command-client';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';
import {
  prepareReadModel,
  ReadModel,
  ReadModelRunner,
  ReadModelRunnerOptions,
  RebuildReport,
  rebuildReadModel,
  verifyReadModel,
  VerifyReport,
} from '@certm3/projection';
import { certm3Model, READ_MODELS } from '../read-models';
import { Certm3Database } from '../read-models/certm3/tables';

/**
 * The whole system for projector tests: a command API on NATS, its event store, and a read database for
 * each read model (`readDatabase` is certm3's; `databaseOf(model)` any model's).
 */
export class ProjectorTestStack {
  readonly runners: ReadModelRunner[] = [];

  private constructor(
    readonly eventDatabase: ScratchDatabase,
    readonly readDatabase: ScratchDatabase,
    readonly modelDatabases: ReadonlyMap<string, ScratchDatabase>,
    readonly store: PostgresEventStore,
    readonly app: INestApplication,
    readonly client: CommandClient,
    readonly pool: Pool,
    readonly db: Kysely<Certm3Database>,
    readonly adminId: string,
  ) {}

  static async start(): Promise<ProjectorTestStack> {
    const eventDatabase = await createScratchDatabase('certm3_proj_events');
    const readDatabase = await createScratchDatabase('certm3_proj_read');
    const modelDatabases = new Map<string, ScratchDatabase>([[certm3Model.name, readDatabase]]);
    for (const model of READ_MODELS)
      if (!modelDatabases.has(model.name))
        modelDatabases.set(model.name, await createScratchDatabase(`${model.name}_proj_read`));
    const subjectPrefix = `certm3-proj-${randomUUID().slice(0, 8)}`;
    const app = await startCommandApiInProcess({
      EVENT_STORE_URL: eventDatabase.url,
      NATS_SUBJECT_PREFIX: subjectPrefix,
      // The lifecycle process (expiry, renewal, notifications) appends on its own, whenever it likes: the
      // specs compare the log with the tables once they caught up, so it stays off (a release without the
      // setting ignores it).
      LIFECYCLE_PROCESS_ENABLED: 'false',
    });
    const client = await CommandClient.connect(subjectPrefix);
    const store = await PostgresEventStore.connect({ url: eventDatabase.url, poolSize: 5 });
    const pool = new Pool({ connectionString: readDatabase.url, max: 4 });
    const db = new Kysely<Certm3Database>({ dialect: new PostgresDialect({ pool }) });
    for (const model of READ_MODELS)
      await withClient(modelDatabases.get(model.name)!.url, (client) => prepareReadModel(client, model));
    const bootstrap = await client.reply(
      'BootstrapAdministrator',
      { username: 'admin', email: 'admin@example.com', password: 'correct horse battery staple' },
      { actorId: null },
    );
    const adminId = ok(bootstrap).id;
    client.defaultActorId = adminId;
    return new ProjectorTestStack(
      eventDatabase,
      readDatabase,
      modelDatabases,
      store,
      app,
      client,
      pool,
      db,
      adminId,
    );
  }

  databaseOf(model: ReadModel): ScratchDatabase {
    const database = this.modelDatabases.get(model.name);
    if (!database) throw new Error(`no read database for model ${model.name}`);
    return database;
  }

  /** The projector process's environment: this stack's event store and every model's database. */
  projectorEnv(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      EVENT_STORE_URL: this.eventDatabase.url,
      ...Object.fromEntries(READ_MODELS.map((model) => [model.database.setting, this.databaseOf(model).url])),
      ...overrides,
    };
  }

  /** A runner of certm3, or of `options.model` on that model's database. */
  runner(options: Partial<ReadModelRunnerOptions> = {}): ReadModelRunner {
    const model = options.model ?? certm3Model;
    const runner = new ReadModelRunner({
      model,
      store: this.store,
      databaseUrl: this.databaseOf(model).url,
      standbyPollMs: 100,
      haltedRetryMs: 60_000,
      ...options,
    });
    this.runners.push(runner);
    return runner;
  }

  async command(name: string, body: unknown): Promise<{ id: string; revision: number }> {
    return ok(await this.client.reply(name, body));
  }

  /**
   * A mixed workload touching every certm3 table and every event type its projections handle, with a
   * refused command now and then (clm_core's audit_log records refusals).
   */
  async workload(size: number): Promise<void> {
    for (let round = 0; round < size; round++) {
      const user = await this.command('RegisterUser', {
        // Unique across calls: a stack may run the workload more than once (usernames are reserved).
        username: `user-${round}-${randomUUID().slice(0, 6)}`,
        email: `user-${round}-${randomUUID().slice(0, 6)}@example.com`,
        password: 'a long enough password',
      });
      const group = `team-${round}-${randomUUID().slice(0, 6)}`;
      await this.command('CreateGroup', { name: group, description: `team ${round}` });
      await this.command('AddUserToGroup', { userId: user.id, groupName: group });
      const certificate = await this.command('RegisterCertificate', {
        userId: user.id,
        certificateData: await createTestCertificate(),
      });
      if (round % 2 === 0)
        await this.command('RevokeCertificate', { certificateId: certificate.id, reason: 'superseded' });
      if (round % 3 === 0) await this.command('UpdateGroup', { name: group, description: null });
      if (round % 4 === 0)
        await this.command('ChangeUserEmail', {
          userId: user.id,
          email: `moved-${randomUUID()}@example.com`,
        });
      if (round % 5 === 0) await this.command('RemoveUserFromGroup', { userId: user.id, groupName: group });
      if (round % 6 === 0) await this.command('DeleteGroup', { name: group });
      if (round % 7 === 0) await this.command('DeactivateUser', { userId: user.id });
      // A refused command: clm_core's audit_log has a row for it.
      if (round % 8 === 0) {
        const refused = await this.client.reply('DeleteUser', { userId: user.id });
        if (refused.ok) throw new Error('DeleteUser was accepted');
      }
      // Roles and organizations (clm_core's roles, user_roles, organizations, user_organizations).
      if (round % 3 === 1) {
        const code = `R${round}_${randomUUID().slice(0, 6).toUpperCase()}`;
        const organization = await this.command('CreateOrganization', {
          orgCode: code,
          name: `org ${round}`,
        });
        await this.command('AddUserToOrganization', { userId: user.id, organizationId: organization.id });
        const role = await this.command('CreateRole', {
          roleCode: code,
          name: `role ${round}`,
          permissions: { certificates: ['read'], users: ['read'] },
        });
        await this.command('AssignRole', {
          userId: user.id,
          roleId: role.id,
          organizationId: organization.id,
        });
        await this.command('AssignRole', { userId: user.id, roleId: role.id });
        if (round % 2 === 1) await this.command('RevokeRole', { userId: user.id, roleId: role.id });
        if (round % 4 === 1) await this.command('UpdateRole', { roleId: role.id, name: `renamed ${round}` });
        if (round % 5 === 1)
          await this.command('RemoveUserFromOrganization', {
            userId: user.id,
            organizationId: organization.id,
          });
        if (round % 7 === 1)
          await this.command('DeactivateOrganization', { organizationId: organization.id });
        if (round % 11 === 1) await this.command('DeleteRole', { roleId: role.id });
      }
      if (round % 9 === 2) {
        await this.command('SuspendUser', { userId: user.id, reason: 'review' });
        await this.command('ReinstateUser', { userId: user.id });
        await this.command('LockUser', { userId: user.id });
      }
    }
  }

  /**
   * Appends, straight to the store, a well-formed event about a user the tables have never seen: the
   * projection cannot apply it. Returns that user's id.
   */
  async appendEventAboutUnknownUser(type: string, data: Record<string, string> = {}): Promise<string> {
    const ghost = randomUUID();
    const commandId = randomUUID();
    await this.store.append(
      `user-${ghost}`,
      [
        {
          id: eventIdFor(commandId, 0),
          type,
          data: { userId: ghost, ...data },
          metadata: {
            commandId,
            actorId: this.adminId,
            occurredAt: new Date().toISOString(),
            schemaVersion: 1,
          },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    return ghost;
  }

  /** `npm run projector -- verify certm3` (or another model), in-process. */
  verify(model: ReadModel = certm3Model): Promise<VerifyReport> {
    return withClient(this.databaseOf(model).url, (client) =>
      verifyReadModel({ client, model, store: this.store }),
    );
  }

  /** `npm run projector -- verify all`, in-process: each model's report, by name. */
  async verifyAll(): Promise<Record<string, VerifyReport>> {
    const reports: Record<string, VerifyReport> = {};
    for (const model of READ_MODELS) reports[model.name] = await this.verify(model);
    return reports;
  }

  /** `npm run projector -- rebuild certm3` (or another model), in-process. */
  rebuild(
    options: Pick<Parameters<typeof rebuildReadModel>[0], 'onStage'> = {},
    model: ReadModel = certm3Model,
  ): Promise<RebuildReport> {
    return withClient(this.databaseOf(model).url, (client) =>
      rebuildReadModel({ client, model, store: this.store, ...options }),
    );
  }

  /** Every row of the certM3 tables, in a stable order: what "identical tables" means. */
  async snapshot(schema = 'public'): Promise<Record<string, unknown[]>> {
    const query = async (sql: string) => (await this.pool.query(sql)).rows;
    return {
      users: await query(`SELECT * FROM ${schema}.users ORDER BY id`),
      groups: await query(`SELECT * FROM ${schema}.groups ORDER BY name`),
      user_groups: await query(`SELECT * FROM ${schema}.user_groups ORDER BY user_id, group_name`),
      certificates: await query(`SELECT * FROM ${schema}.certificates ORDER BY id`),
    };
  }

  async stop(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.stop()));
    await this.client.close();
    await this.app.close();
    await this.store.close();
    await this.db.destroy();
    // kysely ends the pool only if it ever ran a query on it; most tests query the pool directly.
    if (!this.pool.ended) await this.pool.end();
    await Promise.all([this.eventDatabase.drop(), ...[...this.modelDatabases.values()].map((d) => d.drop())]);
  }
}

/** Runs `work` on a connection of its own to `url`. */
export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export function ok(reply: CommandReply): { id: string; revision: number } {
  if (!reply.ok) throw new Error(`expected success, got ${JSON.stringify(reply)}`);
  return reply.data;
}

export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Waits until the runner has applied every event of the log. The lag gauge reads without settling (it must
 * answer at once), so it can miss events behind a transaction still open anywhere on the server; a settled
 * read of what follows the checkpoint cannot.
 */
export async function caughtUp(runner: ReadModelRunner, store: EventStore): Promise<void> {
  const settledNothingAfterCheckpoint = async () => {
    const { checkpoint } = runner.status();
    const after = await collect(
      store.readAll({ from: checkpoint ? parsePosition(checkpoint) : 'start', maxCount: 1 }),
    );
    return after.length === 0;
  };
  try {
    await waitUntil(
      async () =>
        runner.status().role === 'active' &&
        (await runner.lag()).events === 0 &&
        (await settledNothingAfterCheckpoint()),
    );
  } catch {
    throw new Error(
      `the projector did not catch up: ${JSON.stringify({ ...runner.status(), lag: await runner.lag() })}`,
    );
  }
}
