import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { headers as natsHeaders } from 'nats';
import { systemRoleByCode } from '@certm3/domain';
import { INestApplication } from '@nestjs/common';
import { auditSubject, AuditQuery, CommandReply } from '@certm3/contracts';
import { startCommandApiInProcess } from '../testing/in-process-command-api';
import { CommandClient } from '@certm3/test-support/command-client';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';

describe('audit queries over NATS', () => {
  let database: ScratchDatabase;
  let app: INestApplication;
  let client: CommandClient;
  const prefix = `certm3-audit-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_audit_nats');
    app = await startCommandApiInProcess({
      EVENT_STORE_URL: database.url,
      NATS_SUBJECT_PREFIX: prefix,
    });
    client = await CommandClient.connect(prefix);
  });
  afterAll(async () => {
    await client?.close();
    await app?.close();
    await database?.drop();
  });

  let adminId: string;
  async function ask(
    query: AuditQuery | string,
    body: unknown,
    actorId: string | null = adminId,
  ): Promise<CommandReply & { data?: never }> {
    const headers = natsHeaders();
    if (actorId) headers.set('actor-id', actorId);
    const response = await client.connection.request(
      auditSubject(query as AuditQuery, prefix),
      Buffer.from(JSON.stringify(body)),
      { timeout: 10_000, headers },
    );
    return JSON.parse(Buffer.from(response.data).toString('utf8'));
  }

  it('answers history, state-at and verify from the log, secrets redacted', async () => {
    const bootstrap = await client.reply(
      'BootstrapAdministrator',
      { username: 'admin', email: 'admin@example.com', password: 'correct horse battery staple' },
      { actorId: null },
    );
    if (!bootstrap.ok) throw new Error(JSON.stringify(bootstrap));
    adminId = bootstrap.data.id;
    const before = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const changed = await client.reply(
      'ChangeUserEmail',
      { userId: adminId, email: 'root@example.com' },
      { actorId: adminId },
    );
    expect(changed.ok).toBe(true);

    const historyReply = (await ask('history', { kind: 'user', id: adminId })) as unknown as {
      ok: true;
      data: { type: string; data: Record<string, unknown>; actorId: string }[];
    };
    expect(historyReply.ok).toBe(true);
    expect(historyReply.data.map((entry) => entry.type)).toEqual([
      'UserRegistered',
      'UserAddedToGroup',
      'RoleAssigned',
      'UserEmailChanged',
    ]);
    expect(historyReply.data[0].data.passwordHash).toBe('[redacted]');
    expect(JSON.stringify(historyReply)).not.toContain('scrypt$');

    const then = (await ask('state-at', { kind: 'user', id: adminId, at: before })) as unknown as {
      ok: true;
      data: { state: { email: string } };
    };
    expect(then.data.state.email).toBe('admin@example.com');

    const verified = (await ask('verify', {})) as unknown as {
      ok: true;
      data: { ok: boolean; eventsChecked: number };
    };
    expect(verified.data.ok).toBe(true);
    expect(verified.data.eventsChecked).toBeGreaterThan(5);
  });

  it('answers only an active actor holding audit:read (FORBIDDEN without one, PERMISSION_DENIED without it)', async () => {
    const query = { kind: 'user', id: adminId };
    expect(await ask('history', query, null)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await ask('history', query, randomUUID())).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    const user = await client.reply(
      'RegisterUser',
      { username: 'nosy', email: 'nosy@example.com', password: 'a long enough password' },
      { actorId: adminId },
    );
    if (!user.ok) throw new Error(JSON.stringify(user));
    expect(await ask('verify', {}, user.data.id)).toMatchObject({
      ok: false,
      error: { code: 'PERMISSION_DENIED', details: [{ permission: 'audit:read' }] },
    });
    const auditor = await client.reply(
      'AssignRole',
      { userId: user.data.id, roleId: systemRoleByCode('AUDITOR')!.roleId },
      { actorId: adminId },
    );
    expect(auditor.ok).toBe(true);
    expect(await ask('history', query, user.data.id)).toMatchObject({ ok: true });
  });

  it('refuses malformed queries with structured errors', async () => {
    expect(await ask('history', { kind: 'planet', id: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });
    expect(await ask('state-at', { kind: 'user', id: randomUUID(), at: 'yesterday' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });
    expect(await ask('gossip', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_COMMAND' } });
    expect(await ask('history', [1, 2])).toMatchObject({ ok: false, error: { code: 'MALFORMED_MESSAGE' } });
  });
});
