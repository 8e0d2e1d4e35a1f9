/**
 * The command path over NATS: a command API started as its own process, driven by a realistic mix of
 * commands at 1, 16 and 64 in flight, then at 64 with a second instance; compared to the event store append
 * at the same concurrency, with the CPU each process spent per command.
 */
import { randomUUID } from 'node:crypto';
import { cpuBetween, percentiles, ratio, readCpu, round } from '../measure';
import { PASSWORD_SCRYPT_LOG2_COST, startCommandApi } from '../support/apps';
import { connectAsAdministrator } from '../support/commands';
import { cores } from '../support/machine';
import { distinctCertificates } from '../support/pki-material';
import { scratchDatabase } from '../support/scratch';
import { EventStoreAppend } from './event-store-append';
import { NatsBaselines } from './nats-baselines';

/** Flows of the mix at each concurrency (each flow is four commands). */
const FLOWS = { 1: 120, 16: 400, 64: 800 } as const;

export async function commandPath(append: EventStoreAppend) {
  const events = await scratchDatabase('bench_cmd_events');
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const commandApiPids = new Set<number>();
  const cpuGroups = {
    commandApi: (pid: number) => commandApiPids.has(pid),
    postgres: (_pid: number, name: string) => name === 'postgres',
    natsServer: (_pid: number, name: string) => name === 'nats-server',
    loadGenerator: (pid: number) => pid === process.pid,
    other: () => true,
  };
  const firstInstance = await startCommandApi(events.url, prefix);
  commandApiPids.add(firstInstance.pid!);
  const { nats, sender } = await connectAsAdministrator(prefix);
  await sender.send('CreateGroup', { name: 'bench' });
  // A certificate of its own for every flow of every mix: a PEM is registered once only (a second time is
  // refused with CERTIFICATE_ALREADY_KNOWN).
  const pems = distinctCertificates(FLOWS[1] + FLOWS[16] + 2 * FLOWS[64]); // 64 twice: 1 instance, then 2
  let nextPem = 0;

  // The realistic mix, as flows of four commands: register a user, add them to a group, register a
  // certificate for them, revoke it. `concurrency` flows run at once, so that many commands are in flight.
  const runMix = async (concurrency: 1 | 16 | 64) => {
    const samples: number[] = [];
    const timed = async (name: string, body: unknown) => {
      const begun = performance.now();
      const data = await sender.send(name, body);
      samples.push(performance.now() - begun);
      return data;
    };
    const flows = FLOWS[concurrency];
    let started = 0;
    const cpuBefore = readCpu(cpuGroups);
    const begin = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (started < flows && performance.now() - begin < 20_000) {
          const flow = started++;
          const user = await timed('RegisterUser', {
            username: `u${flow}-${randomUUID().slice(0, 8)}`,
            email: `u${flow}-${randomUUID().slice(0, 8)}@example.com`,
            password: 'bench password 1234',
          });
          await timed('AddUserToGroup', { userId: user.id, groupName: 'bench' });
          const certificate = await timed('RegisterCertificate', {
            userId: user.id,
            certificateData: pems[nextPem++],
          });
          await timed('RevokeCertificate', { certificateId: certificate.id, reason: 'superseded' });
        }
      }),
    );
    const seconds = (performance.now() - begin) / 1000;
    const cpu = cpuBetween(cpuBefore, readCpu(cpuGroups), samples.length, cores());
    const perSecond = round(samples.length / seconds, 0);
    const appendRate = append[`c${concurrency}` as const].perSecond;
    return {
      concurrency,
      commands: samples.length,
      seconds: round(seconds),
      perSecond,
      ...percentiles(samples),
      ratioToEventStoreAppend: ratio(perSecond, appendRate),
      machineBusy: cpu.machineBusy,
      cpuMsPerCommand: cpu.msPerOperation,
    };
  };
  const c1 = await runMix(1);
  const c16 = await runMix(16);
  const c64 = await runMix(64);
  // Scaling out: a second instance joins the queue group, as a deployment would add one.
  const secondInstance = await startCommandApi(events.url, prefix);
  commandApiPids.add(secondInstance.pid!);
  const c64TwoInstances = await runMix(64);
  await nats.close();
  return {
    passwordScryptLog2Cost: PASSWORD_SCRYPT_LOG2_COST,
    mix: 'RegisterUser, AddUserToGroup, RegisterCertificate, RevokeCertificate',
    c1,
    c16,
    c64,
    c64TwoInstances,
  };
}

export type CommandPath = Awaited<ReturnType<typeof commandPath>>;

/**
 * A command costs at least one NATS request-reply and one append, and each baseline alone takes the
 * whole machine, so their costs add: a service doing nothing else could not beat 1/(1/NATS + 1/append).
 * This says how much of the command-path target is reachable at all.
 */
export function commandPathCeiling(nats: NatsBaselines, append: EventStoreAppend, commands: CommandPath) {
  const at = (key: 'c1' | 'c64') => {
    const perSecond = round(1 / (1 / nats[key].perSecond + 1 / append[key].perSecond), 0);
    return {
      perSecond,
      ratioToEventStoreAppend: ratio(perSecond, append[key].perSecond),
      commandPathShare: ratio(commands[key].perSecond, perSecond),
    };
  };
  return { c1: at('c1'), c64: at('c64') };
}

export type CommandPathCeiling = ReturnType<typeof commandPathCeiling>;
