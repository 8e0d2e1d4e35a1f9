import { randomUUID } from 'node:crypto';
import { collect, eventIdFor, serializePosition } from '@certm3/event-store';
import { createTestCertificate } from '@certm3/test-support/certificates';
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
    await caughtUp(runner, stack.store);

    const events = await collect(stack.store.readStream(`user-${ada.id}`));
    const registeredAt = String(events[0].metadata.occurredAt);
    const deactivatedAt = String(events[events.length - 1].metadata.occurredAt);
    const user = await stack.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', ada.id)
      .executeTakeFirstOrThrow();
    expect(user).toMatchObject({ username: 'ada', email, is_active: false, updated_by: stack.adminId });
    expect(user.password_hash).toMatch(/^scrypt\$/);
    const times = (
      await stack.pool.query(
        `SELECT to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created, to_char(updated_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated FROM users WHERE id = $1`,
        [ada.id],
      )
    ).rows[0];
    expect(times).toEqual({ created: registeredAt, updated: deactivatedAt });

    const memberships = await stack.db
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
    await caughtUp(runner, stack.store);
    const samples: number[] = [];
    for (let index = 0; index < 20; index++) {
      const started = performance.now();
      const { id } = await stack.command('CreateGroup', {
        name: `latency-${index}-${randomUUID().slice(0, 6)}`,
      });
      await waitUntil(
        async () => (await stack.pool.query('SELECT 1 FROM groups WHERE name = $1', [id])).rowCount === 1,
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
    await caughtUp(runner, stack.store);
    const before = await stack.snapshot();
    expect((await stack.verify()).differences).toEqual([]);

    const result = await stack.rebuild();
    expect(result.events).toBeGreaterThan(0);
    expect(await stack.snapshot()).toEqual(before);

    // The live projector carries on into the new tables.
    const after = await stack.command('CreateGroup', { name: `after-rebuild-${randomUUID().slice(0, 6)}` });
    await waitUntil(
      async () => (await stack.pool.query('SELECT 1 FROM groups WHERE name = $1', [after.id])).rowCount === 1,
    );
    expect((await stack.verify()).differences).toEqual([]);
  });

  it('verify names the rows that differ', async () => {
    await caughtUp(stack.runners[0], stack.store);
    await stack.pool.query(`UPDATE groups SET description = 'tampered' WHERE name = 'Ops'`);
    const report = await stack.verify();
    expect(report.differences).toEqual([
      expect.objectContaining({ table: 'groups', onlyInLive: 1, onlyInRebuilt: 1 }),
    ]);
    await stack.pool.query(`UPDATE groups SET description = 'on call' WHERE name = 'Ops'`);
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
      async () => (await stack.pool.query('SELECT 1 FROM groups WHERE name = $1', [id])).rowCount === 1,
    );
    expect((await stack.verify()).differences).toEqual([]);
  });

  it('halts on an event it cannot apply, naming it, until an operator skips it', async () => {
    const runner = stack.runners[stack.runners.length - 1];
    await caughtUp(runner, stack.store);
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
    expect((await stack.pool.query('SELECT 1 FROM groups WHERE name = $1', [later.id])).rowCount).toBe(0);

    expect(runner.skip('0/0')).toBe(false);
    expect(runner.skip(halted.position)).toBe(true);
    await waitUntil(
      async () => (await stack.pool.query('SELECT 1 FROM groups WHERE name = $1', [later.id])).rowCount === 1,
    );
    const skipped = await stack.pool.query(
      'SELECT stream_id, event_type, reason FROM certm3.projector_skipped_events',
    );
    expect(skipped.rows).toEqual([
      { stream_id: `user-${ghost}`, event_type: 'UserEmailChanged', reason: 'skipped by an operator' },
    ]);
    expect((await stack.verify()).differences).toEqual([]);
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
            type: 'UserArchived',
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
      type: 'UserArchived',
      position: serializePosition(first.position),
    });
    expect(halting.status().halted!.error).toContain('unknown event type');
    await halting.stop();

    const skipping = stack.runner({ unknownEventPolicy: 'skip' });
    skipping.start();
    await caughtUp(skipping, stack.store);
    expect(skipping.status().halted).toBeNull();
    const recorded = await stack.pool.query(
      `SELECT event_type, reason FROM certm3.projector_skipped_events WHERE event_type = 'UserArchived'`,
    );
    expect(recorded.rows).toEqual([
      { event_type: 'UserArchived', reason: 'unknown event type (policy: skip)' },
    ]);
  });

  it('publishes the position it has applied, so a dashboard can wait for its own write (read-your-writes)', async () => {
    const previous = stack.runners[stack.runners.length - 1];
    await caughtUp(previous, stack.store);
    await previous.stop();
    const name = `read-your-writes-${randomUUID().slice(0, 6)}`;
    // What a command's reply carries, and what a dashboard asks about, as the read-only role.
    const reply = await stack.client.reply('CreateGroup', { name });
    if (!reply.ok || !reply.data.position) throw new Error(`no position in ${JSON.stringify(reply)}`);
    const { position } = reply.data;
    const asReader = async () => {
      const client = await stack.pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SET LOCAL ROLE certm3_reader');
        const { rows } = await client.query(
          `SELECT certm3.has_applied($1) AS applied, (SELECT count(*)::int FROM groups WHERE name = $2) AS rows,
                  (SELECT position FROM certm3.applied_position) AS published`,
          [position, name],
        );
        return rows[0] as { applied: boolean; rows: number; published: string };
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    };
    expect(await asReader()).toMatchObject({ applied: false, rows: 0 });

    const runner = stack.runner();
    runner.start();
    await waitUntil(async () => (await asReader()).applied);
    // The rows and the published position commit together: once it says applied, the row is there.
    expect(await asReader()).toMatchObject({ applied: true, rows: 1 });
    expect(await runner.health()).toMatchObject({ appliedPosition: (await asReader()).published });
    await expect(stack.pool.query(`SELECT certm3.has_applied('not a position')`)).rejects.toThrow(
      'not a serialized global position',
    );
  });

  it('a projector stopped while halted does not move past the event it is halted on (regression)', async () => {
    const previous = stack.runners[stack.runners.length - 1];
    await caughtUp(previous, stack.store);
    await previous.stop();
    // Both in one batch: the bad event, and one after it.
    const ghost = await stack.appendEventAboutUnknownUser('UserReactivated');
    const later = await stack.command('CreateGroup', { name: `after-the-halt-${randomUUID().slice(0, 6)}` });
    const halting = stack.runner();
    halting.start();
    await waitUntil(() => halting.status().halted !== null);
    expect(halting.status().halted?.streamId).toBe(`user-${ghost}`);
    await halting.stop();
    expect((await stack.pool.query('SELECT 1 FROM groups WHERE name = $1', [later.id])).rowCount).toBe(0);

    const next = stack.runner();
    next.start();
    await waitUntil(() => next.status().halted !== null);
    expect(next.status().halted?.streamId).toBe(`user-${ghost}`);
    next.skip(next.status().halted!.position);
    await waitUntil(
      async () => (await stack.pool.query('SELECT 1 FROM groups WHERE name = $1', [later.id])).rowCount === 1,
    );
    expect((await stack.verify()).differences).toEqual([]);
  });
});
