import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppProcess, getJson } from '@certm3/test-support/app-process';
import { READ_MODELS } from './read-models';
import { ProjectorTestStack, waitUntil } from './testing/projector-test-stack';

type Health = {
  status: string;
  checks: Record<string, { status: string; error?: string; lagEvents?: number }>;
};

// What an operator sees and does on the projector's HTTP port: health, metrics, and the skip command.
describe('projector process: health, metrics and operator commands', () => {
  let stack: ProjectorTestStack;
  let projector: AppProcess;
  let port: number;

  beforeAll(async () => {
    stack = await ProjectorTestStack.start();
    projector = AppProcess.start('projector', stack.projectorEnv());
    port = await projector.started();
  });
  afterAll(async () => {
    await projector?.kill();
    await stack?.stop();
  });

  const health = async () => (await getJson(port, '/health')) as { status: number; body: Health };

  it('reports lag in the health check and as Prometheus metrics', async () => {
    await stack.workload(3);
    await waitUntil(async () => {
      const { checks } = (await health()).body;
      return READ_MODELS.every((model) => checks[`readModel:${model.name}`]?.lagEvents === 0);
    });
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(/^certm3_projector_lag_events\{model="certm3"\} 0$/m);
    expect(text).toMatch(/^certm3_projector_lag_seconds\{model="certm3"\} 0$/m);
    expect(text).toMatch(/^certm3_projector_halted\{model="certm3"\} 0$/m);
    expect(text).toMatch(/^certm3_projector_events_applied_total\{model="certm3"\} [1-9]\d*$/m);
    expect(text).toMatch(/^certm3_projector_batch_fallbacks_total\{model="certm3"\} \d+$/m);
    expect(text).toMatch(/^certm3_projector_active\{model="certm3"\} 1$/m);
    for (const model of ['clm_core', 'clm_secure']) {
      expect(text).toMatch(new RegExp(`^certm3_projector_lag_events\\{model="${model}"\\} 0$`, 'm'));
      expect(text).toMatch(new RegExp(`^certm3_projector_active\\{model="${model}"\\} 1$`, 'm'));
    }
  });

  it('shows a halted projection as down, naming the event, until the operator skips it', async () => {
    const ghost = await stack.appendEventAboutUnknownUser('UserDeactivated');
    await waitUntil(async () => (await health()).status === 503);
    const { body } = await health();
    expect(body.checks['readModel:certm3'].status).toBe('down');
    expect(body.checks['readModel:certm3'].error).toContain(
      `UserDeactivated (stream user-${ghost}, revision 0, position `,
    );
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^certm3_projector_halted\{model="certm3"\} 1$/m);

    const status = (await getJson(port, '/projector/certm3')).body as { halted: { position: string } };
    const wrong = await fetch(`http://127.0.0.1:${port}/projector/certm3/skip`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ position: '1/1' }),
    });
    expect(wrong.status).toBe(404);
    const skip = await fetch(`http://127.0.0.1:${port}/projector/certm3/skip`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ position: status.halted.position }),
    });
    expect(skip.status).toBe(202);
    // clm_core's users halt on it too (clm_secure ignores it): each model is skipped on its own.
    await waitUntil(async () => (await health()).body.checks['readModel:clm_core'].status === 'down');
    const core = (await getJson(port, '/projector/clm_core')).body as { halted: { position: string } };
    expect(core.halted.position).toBe(status.halted.position);
    const coreSkip = await fetch(`http://127.0.0.1:${port}/projector/clm_core/skip`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ position: core.halted.position }),
    });
    expect(coreSkip.status).toBe(202);
    await waitUntil(async () => (await health()).status === 200);
    expect((await fetch(`http://127.0.0.1:${port}/projector/certm3/retry`, { method: 'POST' })).status).toBe(
      404,
    );
  });

  it('rebuilds and verifies from the command line while the projector runs', async () => {
    const run = (verb: string, target = 'certm3') =>
      promisify(execFile)(
        process.execPath,
        ['-r', '@swc-node/register', join(__dirname, 'operations/operator-cli.ts'), verb, target],
        {
          cwd: join(__dirname, '../../..'),
          env: { PATH: process.env.PATH ?? '', ...stack.projectorEnv() },
        },
      );
    const rebuilt = JSON.parse((await run('rebuild')).stdout).certm3;
    expect(rebuilt.events).toBeGreaterThan(0);
    const report = JSON.parse((await run('verify')).stdout).certm3;
    expect(report.differences).toEqual([]);
    expect(report.tables.map((table: { table: string }) => table.table)).toEqual([
      'users',
      'groups',
      'user_groups',
      'certificates',
    ]);

    // A tampered row: verify exits 1 and names it.
    await stack.pool.query(`UPDATE groups SET description = 'tampered' WHERE name = 'users'`);
    const failed = await run('verify').then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(JSON.parse(failed!.stdout).certm3.differences).toEqual([
      expect.objectContaining({ table: 'groups', onlyInLive: 1, onlyInRebuilt: 1 }),
    ]);
    await run('rebuild');
    expect(JSON.parse((await run('verify')).stdout).certm3.differences).toEqual([]);
  });

  it('rebuilds and verifies all three models with "all"', async () => {
    const run = (verb: string) =>
      promisify(execFile)(
        process.execPath,
        ['-r', '@swc-node/register', join(__dirname, 'operations/operator-cli.ts'), verb, 'all'],
        {
          cwd: join(__dirname, '../../..'),
          env: { PATH: process.env.PATH ?? '', ...stack.projectorEnv() },
        },
      );
    const rebuilt = JSON.parse((await run('rebuild')).stdout);
    expect(Object.keys(rebuilt)).toEqual(['certm3', 'clm_core', 'clm_secure']);
    const reports = JSON.parse((await run('verify')).stdout) as Record<
      string,
      { differences: unknown[]; tables: { table: string; rows: number }[] }
    >;
    expect(Object.keys(reports)).toEqual(['certm3', 'clm_core', 'clm_secure']);
    for (const report of Object.values(reports)) expect(report.differences).toEqual([]);
    expect(reports.clm_core.tables.map((table) => table.table)).toEqual([
      'users',
      'roles',
      'organizations',
      'user_roles',
      'user_organizations',
      'policies',
      'certificate_metadata',
      'notifications',
      'audit_log',
    ]);
    expect(reports.clm_core.tables.find((table) => table.table === 'audit_log')!.rows).toBeGreaterThan(0);
    expect(reports.clm_secure.tables.map((table) => table.table)).toEqual([
      'encryption_keys',
      'key_rotation_history',
      'certificates',
      'certificate_revocations',
      'private_keys',
      'certificate_requests',
      'secure_audit_log',
    ]);
  });
});
