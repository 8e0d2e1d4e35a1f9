import { createHash } from 'node:crypto';
import { Pool } from 'pg';
import { GlobalPosition, serializePosition } from '@certm3/event-store';
import { ensureDatabase, withAdvisoryLock } from '@certm3/pg-support';

/** Serialises the schema's creation between instances starting at once ("certm3_pki" in ASCII). */
const MIGRATION_LOCK = 0x63657274_6d33706bn;

const SCHEMA = `
CREATE SCHEMA IF NOT EXISTS pki;
-- One row per authority: the last CRL number given out, the thisUpdate and log position of that CRL. Each
-- number is given out by one UPDATE of this row (a row lock for the length of one statement), across every
-- instance, and only to a CRL that knows at least as much of the log as the last one.
CREATE TABLE IF NOT EXISTS pki.crl_numbers (
  ca_id uuid PRIMARY KEY,
  last_number bigint NOT NULL,
  last_this_update timestamptz NOT NULL,
  last_position text NOT NULL,
  last_position_commit numeric(20) NOT NULL,
  last_position_prepare numeric(20) NOT NULL
);
-- Every CRL issued, for audit: its number, times, how much of the log it reflects, its size and digest. Not
-- its bytes: a CRL is derived data (the log up to log_position says what it lists), and writing megabytes
-- in a transaction would hold back every subscriber of a PostgreSQL event store on the same server.
CREATE TABLE IF NOT EXISTS pki.crls (
  ca_id uuid NOT NULL,
  crl_number bigint NOT NULL,
  this_update timestamptz NOT NULL,
  next_update timestamptz NOT NULL,
  log_position text NOT NULL,
  entries integer NOT NULL,
  bytes integer NOT NULL,
  sha256 text NOT NULL,
  instance_id text NOT NULL,
  issued_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (ca_id, crl_number)
);
-- Every delegated OCSP responder certificate issued (its key is never stored anywhere).
CREATE TABLE IF NOT EXISTS pki.ocsp_responder_certificates (
  ca_id uuid NOT NULL,
  serial_number text NOT NULL,
  not_before timestamptz NOT NULL,
  not_after timestamptz NOT NULL,
  sha256 text NOT NULL,
  certificate_der bytea NOT NULL,
  instance_id text NOT NULL,
  issued_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (ca_id, serial_number)
);
`;

export interface IssuedCrl {
  readonly caId: string;
  readonly crlNumber: bigint;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  /** How far the log was read when it was written (serialized). */
  readonly position: string;
  readonly der: Buffer;
}

export type CrlNumberAllocation =
  | {
      readonly crlNumber: bigint;
      /** The thisUpdate of the CRL numbered just before it, if there was one. */
      readonly previousThisUpdate: Date | undefined;
    }
  /** The last CRL (another instance's) knows more of the log than this instance has read yet. */
  | { readonly behind: true };

/** The pki database (PKI_DATABASE_URL): CRL numbers and issued CRLs, responder certificates. */
export class PkiStore {
  private constructor(readonly pool: Pool) {}

  static async open(url: string): Promise<PkiStore> {
    await ensureDatabase(url);
    const pool = new Pool({ connectionString: url, max: 4 });
    pool.on('error', () => undefined);
    try {
      const client = await pool.connect();
      try {
        await withAdvisoryLock(client, MIGRATION_LOCK, () => client.query(SCHEMA));
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PkiStore(pool);
  }

  /**
   * The authority's next CRL number, for a CRL with `thisUpdate` written from the log up to `position`:
   * one statement, so the row is locked only while it runs (no transaction stays open while the CRL is
   * signed), race-free across instances. A number is given only if no CRL numbered before knows more of the
   * log (`behind` otherwise: the caller reads on and asks again), so a higher number never lists less. A
   * number given to a CRL that then fails is skipped: numbers increase, with gaps (RFC 5280 §5.2.3 asks no
   * more).
   */
  async allocateCrlNumber(
    caId: string,
    position: GlobalPosition,
    thisUpdate: Date,
  ): Promise<CrlNumberAllocation> {
    await this.pool.query(
      `INSERT INTO pki.crl_numbers VALUES ($1, 0, 'epoch', '0/0', 0, 0) ON CONFLICT (ca_id) DO NOTHING`,
      [caId],
    );
    const { rows } = await this.pool.query<{ crl_number: string; previous: Date }>(
      `UPDATE pki.crl_numbers AS numbers
          SET last_number = numbers.last_number + 1, last_this_update = $2, last_position = $3,
              last_position_commit = $4, last_position_prepare = $5
         FROM (SELECT last_this_update AS previous FROM pki.crl_numbers WHERE ca_id = $1 FOR UPDATE) AS old
        WHERE numbers.ca_id = $1
          AND (numbers.last_position_commit, numbers.last_position_prepare) <= ($4::numeric, $5::numeric)
        RETURNING numbers.last_number AS crl_number, old.previous`,
      [
        caId,
        thisUpdate,
        serializePosition(position),
        position.commit.toString(),
        position.prepare.toString(),
      ],
    );
    if (rows.length === 0) return { behind: true };
    const crlNumber = BigInt(rows[0].crl_number);
    return { crlNumber, previousThisUpdate: crlNumber > 1n ? rows[0].previous : undefined };
  }

  /** The audit record of an issued CRL, before it is served. */
  async recordCrl(crl: IssuedCrl, entries: number, instanceId: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO pki.crls (ca_id, crl_number, this_update, next_update, log_position, entries, bytes, sha256, instance_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        crl.caId,
        crl.crlNumber.toString(),
        crl.thisUpdate,
        crl.nextUpdate,
        crl.position,
        entries,
        crl.der.length,
        createHash('sha256').update(crl.der).digest('hex'),
        instanceId,
      ],
    );
  }

  async recordResponderCertificate(record: {
    readonly caId: string;
    readonly serialNumber: string;
    readonly notBefore: Date;
    readonly notAfter: Date;
    readonly der: Buffer;
    readonly instanceId: string;
  }): Promise<void> {
    await this.pool.query(
      `INSERT INTO pki.ocsp_responder_certificates (ca_id, serial_number, not_before, not_after, sha256, certificate_der, instance_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        record.caId,
        record.serialNumber,
        record.notBefore,
        record.notAfter,
        createHash('sha256').update(record.der).digest('hex'),
        record.der,
        record.instanceId,
      ],
    );
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
