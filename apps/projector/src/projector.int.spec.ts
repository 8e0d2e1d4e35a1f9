import { randomUUID } from 'node:crypto';
import { collect, eventIdFor, serializePosition } from '@certm3/event-store';
import { createTestCertificate } from '@certm3/test-support/certificates';
import { verify, rebuild } from './operations/rebuild-and-verify';
import { caughtUp, ProjectorTestStack, waitUntil } from './testing/projector-test-stack';

describe('projector: the certM3 tables from the event log', () => {
  let stack: ProjectorTestStack;

  beforeAll(async () => {
    stack = await ProjectorTestStack.start();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('projects every table with the values and timestamps of the events', async () => {
    const runner = stack.runner();
    runner.start();
    const email = `ada-${randomUUID()}@example.com`;
    const ada = await stack.command('RegisterUser', {
      username: 'ada',
      email,
      password: 'a long enough password',
    });
    await stack.command('CreateGroup', { name: 'Ops', description: 'on call' });
    await stack.command('AddUserToGroup', { userId: ada.id, groupName: 'ops' });
    const certificateData = await createTestCertificate();
    const certificate = await stack.command('RegisterCertificate', { userId: ada.id, certificateData });
    await stack.command('RevokeCertificate', { certificateId: certificate.id, reason: 'keyCompromise' });
    await stack.command('DeactivateUser', { userId: ada.id });
    await caughtUp(runner);

    const events = await collect(stack.store.readStream(`user-${ada.id}`));
    const registeredAt = String(events[0].metadata.occurredAt);
    const deactivatedAt = String(events[events.length - 1].metadata.occurredAt);
    const user = await stack.db
      .withSchema('certm3')
      .selectFrom('users')
      .selectAll()
      .where('id', '=', ada.id)
      .executeTakeFirstOrThrow();
    expect(user).toMatchObject({ username: 'ada', email, is_active: false, updated_by: stack.adminId });
    expect(user.password_hash).toMatch(/^scrypt\$/);
    const times = (
      await stack.pool.query(
        `SELECT to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created, to_char(updated_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated FROM certm3.users WHERE id = $1`,
        [ada.id],
      )
    ).rows[0];
    expect(times).toEqual({ created: registeredAt, updated: deactivatedAt });

    const memberships = await stack.db
      .withSchema('certm3')
      .selectFrom('user_groups')
      .select(['group_name', 'created_by'])
      .where('user_id', '=', ada.id)
      .orderBy('group_name')
      .execute();
    expect(memberships).toEqual([
      { group_name: 'Ops', created_by: stack.adminId },
      { group_name: 'users', created_by: stack.adminId },
    ]);
    const row = await stack.db
      .withSchema('certm3')
      .selectFrom('certificates')
      .selectAll()
      .where('id', '=', certificate.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      user_id: ada.id,
      status: 'revoked',
      revocation_reason: 'keyCompromise',
      revoked_by: stack.adminId,
    });
    expect(row.certificate_data.trim()).toBe(certificateData.trim());
    expect(runner.status()).toMatchObject({ role: 'active', halted: null });
  });

  it('makes a command sent over NATS visible in its table quickly (measured and reported, not asserted)', async () => {
    const runner = stack.runners[0];
    await caughtUp(runner);
    const samples: number[] = [];
    for (let index = 0; index < 20; index++) {
      const started = performance.now();
      const { id } = await stack.command('CreateGroup', {
        name: `latency-${index}-${randomUUID().slice(0, 6)}`,
      });
      await waitUntil(
        async () =>
          (await stack.pool.query('SELECT 1 FROM certm3.groups WHERE name = $1', [id])).rowCount === 1,
        5_000,
      );
      samples.push(performance.now() - started);
    }
    samples.sort((a, b) => a - b);
    process.stdout.write(
      `[projector] command sent over NATS to row visible, 20 commands: median ${samples[10].toFixed(1)} ms, p95 ${samples[18].toFixed(1)} ms, max ${samples[19].toFixed(1)} ms\n`,
    );
    expect(samples).toHaveLength(20);
  });

  it('rebuilds identical tables from the log and swaps them in while the live projector keeps running', async () => {
    const runner = stack.runners[0];
    await stack.workload(12);
    await caughtUp(runner);
    const before = await stack.snapshot();
    expect((await verify({ databaseUrl: stack.readDatabase.url, store: stack.store })).differences).toEqual(
      [],
    );

    const result = await rebuild({ databaseUrl: stack.readDatabase.url, store: stack.store });
    expect(result.events).toBeGreaterThan(0);
    expect(await stack.snapshot()).toEqual(before);

    // The live projector carries on into the new tables.
    const after = await stack.command('CreateGroup', { name: `after-rebuild-${randomUUID().slice(0, 6)}` });
    await waitUntil(
      async () =>
        (await stack.pool.query('SELECT 1 FROM certm3.groups WHERE name = $1', [after.id])).rowCount === 1,
    );
    expect((await verify({ databaseUrl: stack.readDatabase.url, store: stack.store })).differences).toEqual(
      [],
    );
  });

  it('verify names the rows that differ', async () => {
    await caughtUp(stack.runners[0]);
    await stack.pool.query(`UPDATE certm3.groups SET description = 'tampered' WHERE name = 'Ops'`);
    const report = await verify({ databaseUrl: stack.readDatabase.url, store: stack.store });
    expect(report.differences).toEqual([
      expect.objectContaining({ table: 'groups', onlyInLive: 1, onlyInRebuilt: 1 }),
    ]);
    await stack.pool.query(`UPDATE certm3.groups SET description = 'on call' WHERE name = 'Ops'`);
  });

  it('lets one projector write at a time; a standby takes over when the active one stops', async () => {
    const first = stack.runners[0];
    const second = stack.runner();
    second.start();
    await waitUntil(() => second.status().role === 'standby');
    await first.stop();
    await waitUntil(() => second.status().role === 'active');
    const { id } = await stack.command('CreateGroup', { name: `takeover-${randomUUID().slice(0, 6)}` });
    await waitUntil(
      async () =>
        (await stack.pool.query('SELECT 1 FROM certm3.groups WHERE name = $1', [id])).rowCount === 1,
    );
    expect((await verify({ databaseUrl: stack.readDatabase.url, store: stack.store })).differences).toEqual(
      [],
    );
  });

  it('halts on an event it cannot apply, naming it, until an operator skips it', async () => {
    const runner = stack.runners[stack.runners.length - 1];
    await caughtUp(runner);
    const ghost = await stack.appendEventAboutUnknownUser('UserEmailChanged', {
      email: 'ghost@example.com',
      previousEmail: 'g@example.com',
    });
    const later = await stack.command('CreateGroup', { name: `behind-${randomUUID().slice(0, 6)}` });
    await waitUntil(() => runner.status().halted !== null);
    const halted = runner.status().halted!;
    expect(halted).toMatchObject({ streamId: `user-${ghost}`, revision: '0', type: 'UserEmailChanged' });
    expect(halted.error).toContain(`stream user-${ghost}`);
    expect(halted.error).toContain(halted.position);
    expect((await stack.pool.query('SELECT 1 FROM certm3.groups WHERE name = $1', [later.id])).rowCount).toBe(
      0,
    );

    expect(runner.skip('0/0')).toBe(false);
    expect(runner.skip(halted.position)).toBe(true);
    await waitUntil(
      async () =>
        (await stack.pool.query('SELECT 1 FROM certm3.groups WHERE name = $1', [later.id])).rowCount === 1,
    );
    const skipped = await stack.pool.query(
      'SELECT stream_id, event_type, reason FROM certm3.projector_skipped_events',
    );
    expect(skipped.rows).toEqual([
      { stream_id: `user-${ghost}`, event_type: 'UserEmailChanged', reason: 'skipped by an operator' },
    ]);
    expect((await verify({ databaseUrl: stack.readDatabase.url, store: stack.store })).differences).toEqual(
      [],
    );
  });

  it('halts on an unknown event type by default, and records and passes it under the skip policy', async () => {
    await stack.runners[stack.runners.length - 1].stop();
    const unknown = async () => {
      const commandId = randomUUID();
      return stack.store.append(
        `future-${randomUUID()}`,
        [
          {
            id: eventIdFor(commandId, 0),
            type: 'UserSuspended',
            data: {},
            metadata: { commandId, actorId: stack.adminId, occurredAt: new Date().toISOString() },
          },
        ],
        { expectedRevision: 'no_stream' },
      );
    };
    const first = await unknown();
    const halting = stack.runner({ unknownEventPolicy: 'halt' });
    halting.start();
    await waitUntil(() => halting.status().halted !== null);
    expect(halting.status().halted).toMatchObject({
      type: 'UserSuspended',
      position: serializePosition(first.position),
    });
    expect(halting.status().halted!.error).toContain('unknown event type');
    await halting.stop();

    const skipping = stack.runner({ unknownEventPolicy: 'skip' });
    skipping.start();
    await caughtUp(skipping);
    expect(skipping.status().halted).toBeNull();
    const recorded = await stack.pool.query(
      `SELECT event_type, reason FROM certm3.projector_skipped_events WHERE event_type = 'UserSuspended'`,
    );
    expect(recorded.rows).toEqual([
      { event_type: 'UserSuspended', reason: 'unknown event type (policy: skip)' },
    ]);
  });
});
