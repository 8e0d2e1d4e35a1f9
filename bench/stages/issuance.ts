/**
 * Issuance over NATS: a command API started as its own process (with a key vault of its own: a scratch
 * database and a random master key), an administrator, a P-256 and an RSA-3072 authority with an active
 * policy each, then SubmitCertificateRequest at 64 in flight in three variants — CSRs for P-256 keys under
 * the P-256 authority, keys made and sealed by the service under the same authority, and the same kind of
 * CSRs under the RSA-3072 authority. Each is compared to RegisterCertificate at 64 in flight in the same
 * run (distinct certificates: a PEM is registered once only) and to the signatures/s one core makes with
 * the authority's key (signature-baselines.ts), with the CPU each process spent per certificate.
 *
 * The CSRs and certificates are made before any timing starts; each variant is warmed up first (the first
 * request under an authority opens its key from the vault, and V8 compiles the path), untimed.
 */
import { randomUUID } from 'node:crypto';
import { cpuBetween, mainThreadCpuMs, ratio, readCpu, round, runClosedLoop } from '../measure';
import { scratchKeyVault, startCommandApi } from '../support/apps';
import { connectAsAdministrator, Sender } from '../support/commands';
import { log } from '../support/log';
import { cores } from '../support/machine';
import { distinctCertificates, p256CertificateRequests } from '../support/pki-material';
import { scratchDatabase } from '../support/scratch';
import { SignatureBaselines } from './signature-baselines';

const IN_FLIGHT = 64;
const WARM_UP = 128;
/** Each measure stops at this many commands or after MAX_SECONDS, whichever comes first. */
const ISSUED = 3_000;
const REGISTERED = 8_000;
const MAX_SECONDS = 10;

/** What issuance is asked to reach, printed beside the figures (never asserted). */
export const ISSUANCE_TARGETS = { certificatesPerSecond: 400, p99Ms: 100, ratioToRegisterCertificate: 0.5 };

/** A policy as a TLS deployment would have: 90 days at most, any domain, issued without approval. */
async function activePolicy(sender: Sender, code: string, keyAlgorithm: 'ECDSA_P256' | 'RSA_3072') {
  const authority = await sender.send('CreateCertificateAuthority', {
    name: `bench ${code}`,
    subject: { commonName: `certm3 bench ${code} CA`, organization: 'certm3' },
    keyAlgorithm,
    validityDays: 3650,
  });
  const policy = await sender.send('CreatePolicy', {
    policyCode: code,
    name: `bench ${code}`,
    issuerId: authority.id,
    policyRules: {
      max_validity_days: 90,
      min_key_size: 2048,
      allowed_algorithms: ['RSA', 'ECDSA'],
      require_approval: false,
      allowed_domains: [],
      allow_subdomains: true,
      extended_key_usages: ['serverAuth', 'clientAuth'],
    },
  });
  await sender.send('ActivatePolicy', { policyId: policy.id });
  return policy.id;
}

export async function issuance(signatures: SignatureBaselines) {
  const events = await scratchDatabase('bench_issue_events');
  const keyVault = await scratchKeyVault('bench_issue_vault');
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const commandApi = await startCommandApi(events.url, prefix, keyVault);
  const cpuGroups = {
    commandApi: (pid: number) => pid === commandApi.pid,
    postgres: (_pid: number, name: string) => name === 'postgres',
    natsServer: (_pid: number, name: string) => name === 'nats-server',
    loadGenerator: (pid: number) => pid === process.pid,
    other: () => true,
  };
  const { nats, sender } = await connectAsAdministrator(prefix);
  const p256Policy = await activePolicy(sender, 'bench-p256', 'ECDSA_P256');
  const rsaPolicy = await activePolicy(sender, 'bench-rsa3072', 'RSA_3072');

  const preparing = performance.now();
  const csrsP256 = p256CertificateRequests(WARM_UP + ISSUED, 'p256');
  const csrsRsa = p256CertificateRequests(WARM_UP + ISSUED, 'rsa');
  const certificates = distinctCertificates(WARM_UP + REGISTERED);
  log(`issuance: ${csrsP256.length + csrsRsa.length} CSRs and ${certificates.length} certificates made`);
  const preparationSeconds = (performance.now() - preparing) / 1000;

  /** Warms up with the first WARM_UP inputs, then times the rest at 64 in flight. */
  const measure = async (total: number, send: (index: number) => Promise<unknown>) => {
    await runClosedLoop(IN_FLIGHT, WARM_UP, send, 60);
    const before = readCpu(cpuGroups);
    const eventLoopBefore = mainThreadCpuMs(commandApi.pid!);
    const run = await runClosedLoop(IN_FLIGHT, total, (index) => send(WARM_UP + index), MAX_SECONDS);
    const after = readCpu(cpuGroups);
    const cpu = cpuBetween(before, after, run.operations, cores());
    return {
      ...run,
      machineBusy: cpu.machineBusy,
      // The share of one core the API's event loop (its main thread) used: near 1, it is the bound.
      apiMainThreadBusy: round(
        (mainThreadCpuMs(commandApi.pid!) - eventLoopBefore) / (after.atMs - before.atMs),
        2,
      ),
      cpuMsPerCommand: cpu.msPerOperation,
    };
  };
  const issue = async (body: Record<string, unknown>) => {
    const reply = (await sender.send('SubmitCertificateRequest', body)) as { status?: string };
    if (reply.status !== 'issued') throw new Error(`SubmitCertificateRequest: ${reply.status}, not issued`);
  };

  log('issuance: RegisterCertificate at 64 in flight');
  const register = await measure(REGISTERED, (index) =>
    sender.send('RegisterCertificate', { userId: sender.actorId, certificateData: certificates[index] }),
  );
  const compared = (
    run: Awaited<ReturnType<typeof measure>>,
    baselines: Partial<Record<'ecdsaP256' | 'rsa2048' | 'rsa3072', number>>,
  ) => ({
    ...run,
    ratioToRegisterCertificate: ratio(run.perSecond, register.perSecond),
    ratioToSignatures: Object.fromEntries(
      Object.entries(baselines).map(([name, perSecond]) => [name, ratio(run.perSecond, perSecond)]),
    ),
  });
  log('issuance: CSRs under the P-256 authority');
  const csrP256 = compared(
    await measure(ISSUED, (index) => issue({ policyId: p256Policy, csr: csrsP256[index] })),
    { ecdsaP256: signatures.ecdsaP256.perSecond },
  );
  log('issuance: P-256 keys made here, under the P-256 authority');
  const serverKeyP256 = compared(
    await measure(ISSUED, (index) => {
      const host = `server-${index}.example.com`;
      return issue({
        policyId: p256Policy,
        subject: { commonName: host },
        subjectAlternativeNames: [{ type: 'DNS', value: host }],
        keyAlgorithm: 'ECDSA_P256',
      });
    }),
    { ecdsaP256: signatures.ecdsaP256.perSecond },
  );
  log('issuance: CSRs under the RSA-3072 authority');
  const csrRsa3072 = compared(
    await measure(ISSUED, (index) => issue({ policyId: rsaPolicy, csr: csrsRsa[index] })),
    { rsa3072: signatures.rsa3072.perSecond, rsa2048: signatures.rsa2048.perSecond },
  );
  await nats.close();
  return {
    concurrency: IN_FLIGHT,
    warmUpPerVariant: WARM_UP,
    preparationSeconds: round(preparationSeconds, 1),
    leafKeys: 'P-256 in every variant (CSRs made by the benchmark, or keys made and sealed by the service)',
    targets: ISSUANCE_TARGETS,
    registerCertificate: register,
    csrP256,
    serverKeyP256,
    csrRsa3072,
  };
}

export type Issuance = Awaited<ReturnType<typeof issuance>>;
