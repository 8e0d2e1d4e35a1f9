/** What the figures were measured on: they only mean something next to the machine that produced them. */
import { cpus, totalmem } from 'node:os';
import { Client } from 'pg';
import { TEST_POSTGRES_URL } from '../../test/support/scratch-database';
import { round } from '../measure';

/** Cores of this machine, to say how busy they were (see cpuBetween). */
export function cores(): number {
  return cpus().length;
}

export async function postgresVersion(): Promise<string> {
  const client = new Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  const { rows } = await client.query('SHOW server_version');
  await client.end();
  return rows[0].server_version;
}

export async function machineInfo() {
  return {
    cores: cores(),
    cpu: cpus()[0]?.model,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    postgres: await postgresVersion(),
  };
}

export type MachineInfo = Awaited<ReturnType<typeof machineInfo>>;
