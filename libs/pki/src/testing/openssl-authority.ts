/**
 * Test support: an authority made by openssl in a scratch folder, a leaf it signs, and openssl run there —
 * the outside party the CRL and OCSP writers are checked against.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IssuerProfile, issuerProfile } from '../certificate-writer';

export interface OpensslAuthority {
  readonly dir: string;
  readonly profile: IssuerProfile;
  readonly certificateDer: Buffer;
  openssl(...args: string[]): string;
  /** openssl's output whether it succeeds or not (stdout and stderr together). */
  opensslAnyway(...args: string[]): string;
  /** A leaf `name`.pem signed by the authority with the given serial (hex). */
  leaf(name: string, serialHex: string): void;
  write(name: string, content: Buffer | string): void;
  remove(): void;
}

export function opensslAuthority(keyArgs: string[]): OpensslAuthority {
  const dir = mkdtempSync(join(tmpdir(), 'certm3-revocation-'));
  const run = (...args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  run(
    'req',
    '-x509',
    ...keyArgs,
    '-nodes',
    '-keyout',
    'ca.key',
    '-subj',
    '/C=DE/O=certm3 tests/CN=Revocation CA',
    '-days',
    '30',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    'ca.pem',
  );
  const certificateDer = new X509Certificate(readFileSync(join(dir, 'ca.pem'))).raw;
  const profile = issuerProfile(certificateDer, createPrivateKey(readFileSync(join(dir, 'ca.key'))));
  return {
    dir,
    profile,
    certificateDer,
    openssl: run,
    opensslAnyway: (...args) => {
      const result = spawnSync('openssl', args, { cwd: dir });
      return `${result.stdout?.toString() ?? ''}${result.stderr?.toString() ?? ''}`;
    },
    leaf: (name, serialHex) => {
      opensslP256Request(run, name);
      run(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-set_serial',
        `0x${serialHex}`,
        '-days',
        '10',
        '-out',
        `${name}.pem`,
      );
    },
    write: (name, content) => writeFileSync(join(dir, name), content),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * `<name>.key` (P-256) and `<name>.csr` for /CN=<commonName> (default `<name>.example.com`), as a client
 * asking for a certificate makes them.
 */
export function opensslP256Request(
  openssl: (...args: string[]) => unknown,
  name: string,
  commonName = `${name}.example.com`,
): void {
  openssl(
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-subj',
    `/CN=${commonName}`,
    '-out',
    `${name}.csr`,
  );
}

export const pemOf = (label: string, der: Buffer) =>
  `-----BEGIN ${label}-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END ${label}-----\n`;
