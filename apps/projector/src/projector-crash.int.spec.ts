import { AppProcess, getJson } from '@certm3/test-support/app-process';
import { READ_MODELS } from './read-models';
import { ProjectorTestStack, waitUntil } from './testing/projector-test-stack';

/**
 * The checkpoint commits with the rows it covers, so a projector killed at any instant loses nothing and
 * applies nothing twice: kill it (SIGKILL, no chance to clean up) at random moments during a workload,
 * restart it each time, and the tables must equal a rebuild from the log.
 */
describe('projector killed with SIGKILL at random moments', () => {
  let stack: ProjectorTestStack;
  let projector: AppProcess | undefined;

  beforeAll(async () => {
    stack = await ProjectorTestStack.start();
  });
  afterAll(async () => {
    await projector?.kill();
    await stack?.stop();
  });

  const startProjector = () =>
    AppProcess.start('projector', stack.projectorEnv({ PROJECTOR_BATCH_SIZE: '7' }));

  it('loses nothing and repeats nothing', async () => {
    projector = startProjector();
    await projector.started();
    const workload = stack.workload(30);
    const kills: number[] = [];
    let done = false;
    void workload.finally(() => (done = true));
    while (!done || kills.length < 4) {
      const delay = 150 + Math.floor(Math.random() * 500);
      await new Promise((resolve) => setTimeout(resolve, delay));
      await projector.kill();
      kills.push(delay);
      projector = startProjector();
      await projector.started();
      if (kills.length >= 8) break;
    }
    await workload;
    const port = await projector.started();
    await waitUntil(async () => {
      const { body } = await getJson(port, '/health');
      const checks = (body as { checks?: Record<string, { lagEvents?: number }> }).checks;
      return READ_MODELS.every((model) => checks?.[`readModel:${model.name}`]?.lagEvents === 0);
    }, 60_000);

    // Every model: certm3, clm_core (its audit_log too) and clm_secure (its certificates and audit trail).
    const reports = await stack.verifyAll();
    process.stdout.write(
      `[projector crash test] ${kills.length} SIGKILLs after ${kills.join(', ')} ms; ${Object.entries(reports)
        .map(
          ([model, report]) =>
            `${model}: ${report.tables.map((t) => `${t.table}=${t.rows}`).join(', ') || 'no tables'}, differences: ${report.differences.length}`,
        )
        .join('; ')}\n`,
    );
    expect(Object.keys(reports)).toEqual(READ_MODELS.map((model) => model.name));
    for (const [model, report] of Object.entries(reports)) {
      expect({ model, differences: report.differences }).toEqual({ model, differences: [] });
      expect({ model, checkpoint: report.checkpoint }).toEqual({ model, checkpoint: expect.any(String) });
    }
    const rowsOf = (model: string, table: string) =>
      reports[model].tables.find((t) => t.table === table)?.rows;
    expect(rowsOf('certm3', 'users')).toBe(31);
    expect(rowsOf('certm3', 'certificates')).toBe(30);
    expect(rowsOf('clm_core', 'users')).toBe(31);
    expect(rowsOf('clm_core', 'audit_log')).toBeGreaterThan(30 * 4);
    expect(rowsOf('clm_secure', 'certificates')).toBe(30);
  });

  it('hands the writer lock to a standby when the active projector dies', async () => {
    await projector?.kill();
    const active = startProjector();
    const activePort = await active.started();
    await waitUntil(
      async () =>
        ((await getJson(activePort, '/projector/certm3')).body as { role: string }).role === 'active',
    );
    const standby = startProjector();
    try {
      const standbyPort = await standby.started();
      await waitUntil(
        async () =>
          ((await getJson(standbyPort, '/projector/certm3')).body as { role: string }).role === 'standby',
      );
      await active.kill();
      await waitUntil(
        async () =>
          ((await getJson(standbyPort, '/projector/certm3')).body as { role: string }).role === 'active',
      );
      const { id } = await stack.command('CreateGroup', { name: `after-takeover-${Date.now()}` });
      await waitUntil(
        async () => (await stack.pool.query('SELECT 1 FROM groups WHERE name = $1', [id])).rowCount === 1,
      );
    } finally {
      await standby.kill();
    }
  });
});
