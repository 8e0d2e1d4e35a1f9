import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { PostgresEventStore } from '@certm3/event-store';
import { OlderTransaction } from '@certm3/test-support/older-transaction';
import { createScratchDatabase, ScratchDatabase } from '@certm3/test-support/scratch-database';

const ROOT = join(__dirname, '../../..');

function runExport(
  url: string,
  settleMs = '300',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', join(ROOT, 'apps/audit/src/main.ts'), 'export'],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', EVENT_STORE_URL: url, AUDIT_SETTLE_MS: settleMs },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr })); // after stdout and stderr are read to the end
  });
}

/**
 * Regression: an export taken while a transaction older than it stayed open (anywhere on the server) ended
 * short of the log without saying so, and looked complete. It now writes what is certain, says it is
 * incomplete and exits 3.
 */
describe('audit export while an older transaction stays open', () => {
  let database: ScratchDatabase;
  let store: PostgresEventStore;
  let holder: OlderTransaction;

  beforeAll(async () => {
    database = await createScratchDatabase('certm3_audit_unsettled');
    store = await PostgresEventStore.connect({ url: database.url });
    holder = await OlderTransaction.connect(database.url);
  });
  afterAll(async () => {
    await holder.close();
    await store.close();
    await database.drop();
  });

  const appendOne = (streamId: string) =>
    store.append(streamId, [{ id: randomUUID(), type: 'GroupCreated', data: {}, metadata: {} }], {
      expectedRevision: 'no_stream',
    });

  it('writes the certain prefix, reports it incomplete and exits 3; complete again once it ends', async () => {
    await appendOne(`before-${randomUUID()}`);
    await holder.begin();
    await appendOne(`after-${randomUUID()}`);

    const short = await runExport(database.url);
    await holder.commit();
    expect(short.code).toBe(3);
    expect(short.stderr).toContain('export: INCOMPLETE');
    expect(short.stderr).toContain('still open after 300 ms');
    expect(short.stdout.trim().split('\n')).toHaveLength(1);
    expect(short.stdout).toContain('"streamId":"before-');

    const whole = await runExport(database.url);
    expect(whole.code).toBe(0);
    expect(whole.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('refuses a malformed AUDIT_SETTLE_MS with exit 2, naming it', async () => {
    const refused = await runExport(database.url, 'soon');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('AUDIT_SETTLE_MS must be a whole number of milliseconds');
  });
});
