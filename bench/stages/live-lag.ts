/**
 * Live projection lag: a command API and a projector started as processes, commands sent on a schedule of
 * 500 a second, and for every tenth the time from its reply until its row is in the read model.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { percentiles, round } from '../measure';
import { startApp, startCommandApi } from '../support/apps';
import { connectAsAdministrator } from '../support/commands';
import { scratchDatabase } from '../support/scratch';
import { READ_MODELS } from '../../apps/projector/src/read-models';

export async function liveLag() {
  const events = await scratchDatabase('bench_live_events');
  const read = await scratchDatabase('bench_live_read');
  // Every read model the projector keeps runs, each in a scratch database: the lag is measured on certm3's.
  const others = await Promise.all(
    READ_MODELS.filter((model) => model.name !== 'certm3').map(
      async (model) =>
        [model.database.setting, (await scratchDatabase(`bench_live_${model.name}`)).url] as const,
    ),
  );
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  await startCommandApi(events.url, prefix);
  await startApp('projector', {
    EVENT_STORE_URL: events.url,
    CERTM3_DATABASE_URL: read.url,
    ...Object.fromEntries(others),
  });
  const { nats, sender } = await connectAsAdministrator(prefix);
  // A pool: many lag probes poll at once.
  const reader = new Pool({ connectionString: read.url, max: 4 });
  // The projector answers /health while its runner is still creating the model's tables.
  while (!(await reader.query(`SELECT to_regclass('public.groups') AS t`)).rows[0].t)
    await new Promise((resolve) => setTimeout(resolve, 50));
  const rate = 500;
  const seconds = 8;
  const lags: number[] = [];
  const pending: Promise<void>[] = [];
  const started = performance.now();
  let sent = 0;
  let failed = 0;
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    while (sent < due) {
      const index = sent++;
      const name = `live-${index}-${randomUUID().slice(0, 6)}`;
      pending.push(
        sender.send('CreateGroup', { name }).then(
          async () => {
            if (index % 10 !== 0) return;
            const committed = performance.now();
            for (;;) {
              const { rowCount } = await reader.query('SELECT 1 FROM groups WHERE name = $1', [name]);
              if (rowCount) break;
              await new Promise((resolve) => setTimeout(resolve, 1));
            }
            lags.push(performance.now() - committed);
          },
          () => void failed++,
        ),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await Promise.all(pending);
  const achieved = round(sent / ((performance.now() - started) / 1000), 0);
  await reader.end();
  await nats.close();
  return {
    targetCommandsPerSecond: rate,
    achievedCommandsPerSecond: achieved,
    failed,
    samples: lags.length,
    ...percentiles(lags),
  };
}

export type LiveLag = Awaited<ReturnType<typeof liveLag>>;
