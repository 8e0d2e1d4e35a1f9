import { createHash } from 'node:crypto';
import { Pool, PoolClient } from 'pg';
import { comparePositions, GlobalPosition, serializePosition } from '@certm3/event-store';
import { ensureDatabase, withAdvisoryLock } from '@certm3/pg-support';

/** Serialises the schema's creation between instances starting at once ("certm3_pki" in ASCII). */
const MIGRATION_LOCK = 0x63657274_6d33706bn;

const SCHEMA = `
CREATE SCHEMA IF NOT EXISTS pki;
-- One row per authority: the last CRL number given out, and what that CRL knew. Locked (FOR UPDATE) by
-- whoever issues the next one, so numbers are given out one at a time across every instance.
CREATE TABLE IF NOT EXISTS pki.crl_numbers (
  ca_id uuid PRIMARY KEY,
  last_number bigint NOT NULL,
  last_this_update timestamptz NOT NULL,
  last_position text NOT NULL,
  last_position_commit numeric(20) NOT NULL,
  last_position_prepare numeric(20) NOT NULL
);
-- Every CRL issued, for audit: its number, times, how much of the log it reflects, its digest; the DER of
-- the latest one per authority only (older ones are NULL: a CRL is derived data, its digest identifies it).
CREATE TABLE IF NOT EXISTS pki.crls (
  ca_id uuid NOT NULL,
  crl_number bigint NOT NULL,
  this_update timestamptz NOT NULL,
  next_update timestamptz NOT NULL,
  log_position text NOT NULL,
  entries integer NOT NULL,
  bytes integer NOT NULL,
  sha256 text NOT NULL,
  der bytea,
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

export interface StoredCrl {
  readonly caId: string;
  readonly crlNumber: bigint;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly position: string;
  readonly der: Buffer;
}

export interface CrlToIssue {
  readonly der: Buffer;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly entries: number;
}

/** What the last CRL of an authority was, as `issueCrl` shows it to the one writing the next. */
export interface PreviousCrl {
  readonly crlNumber: bigint;
  readonly thisUpdate: Date;
  readonly position: GlobalPosition;
}

export type IssueOutcome =
  | { readonly issued: StoredCrl }
  /** Another instance issued one that knows at least as much of the log, recently enough: serve that. */
  | { readonly adopted: StoredCrl }
  /** Another instance's is ahead of this one's ledger but due for renewal: try again once caught up. */
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
   * Gives out the authority's next CRL number and records the CRL `build` writes with it, in one
   * transaction holding the authority's row: numbers go up by one, race-free across instances, and a CRL
   * with a higher number never knows less of the log than one with a lower number — if another instance's
   * last CRL is at a later position than `position`, it is adopted (when fresher than `freshAfter`) instead.
   * A failure (crash, database down) rolls the number back with the CRL: nothing is served that was not
   * committed.
   */
  async issueCrl(
    caId: string,
    position: GlobalPosition,
    instanceId: string,
    freshAfter: Date,
    build: (crlNumber: bigint, previous: PreviousCrl | undefined) => Promise<CrlToIssue>,
  ): Promise<IssueOutcome> {
    return this.transaction(async (client) => {
      // The authority's first CRL creates its row; a racing first one waits on the key, then finds it.
      await client.query(
        `INSERT INTO pki.crl_numbers VALUES ($1, 0, 'epoch', '0/0', 0, 0) ON CONFLICT (ca_id) DO NOTHING`,
        [caId],
      );
      const { rows } = await client.query<{
        last_number: string;
        last_this_update: Date;
        last_position_commit: string;
        last_position_prepare: string;
      }>('SELECT * FROM pki.crl_numbers WHERE ca_id = $1 FOR UPDATE', [caId]);
      const row = rows[0];
      let previous: PreviousCrl | undefined;
      if (row.last_number !== '0') {
        previous = {
          crlNumber: BigInt(row.last_number),
          thisUpdate: row.last_this_update,
          position: { commit: BigInt(row.last_position_commit), prepare: BigInt(row.last_position_prepare) },
        };
        if (comparePositions(previous.position, position) > 0) {
          if (previous.thisUpdate <= freshAfter) return { behind: true } as const;
          const latest = await this.latestCrlOn(client, caId);
          return latest ? ({ adopted: latest } as const) : ({ behind: true } as const);
        }
      }
      const crlNumber = (previous?.crlNumber ?? 0n) + 1n;
      const crl = await build(crlNumber, previous);
      const at = serializePosition(position);
      await client.query('UPDATE pki.crls SET der = NULL WHERE ca_id = $1 AND der IS NOT NULL', [caId]);
      await client.query(
        `INSERT INTO pki.crls (ca_id, crl_number, this_update, next_update, log_position, entries, bytes, sha256, der, instance_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          caId,
          crlNumber.toString(),
          crl.thisUpdate,
          crl.nextUpdate,
          at,
          crl.entries,
          crl.der.length,
          createHash('sha256').update(crl.der).digest('hex'),
          crl.der,
          instanceId,
        ],
      );
      await client.query(
        `UPDATE pki.crl_numbers SET last_number = $2, last_this_update = $3, last_position = $4,
           last_position_commit = $5, last_position_prepare = $6 WHERE ca_id = $1`,
        [
          caId,
          crlNumber.toString(),
          crl.thisUpdate,
          at,
          position.commit.toString(),
          position.prepare.toString(),
        ],
      );
      return {
        issued: {
          caId,
          crlNumber,
          thisUpdate: crl.thisUpdate,
          nextUpdate: crl.nextUpdate,
          position: at,
          der: crl.der,
        },
      } as const;
    });
  }

  /** The authority's latest CRL as stored (served while this instance's ledger catches up). */
  async latestCrl(caId: string): Promise<StoredCrl | undefined> {
    const client = await this.pool.connect();
    try {
      return await this.latestCrlOn(client, caId);
    } finally {
      client.release();
    }
  }

  private async latestCrlOn(client: PoolClient, caId: string): Promise<StoredCrl | undefined> {
    const { rows } = await client.query<{
      crl_number: string;
      this_update: Date;
      next_update: Date;
      log_position: string;
      der: Buffer;
    }>(
      `SELECT crl_number, this_update, next_update, log_position, der FROM pki.crls
        WHERE ca_id = $1 AND der IS NOT NULL ORDER BY crl_number DESC LIMIT 1`,
      [caId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      caId,
      crlNumber: BigInt(row.crl_number),
      thisUpdate: row.this_update,
      nextUpdate: row.next_update,
      position: row.log_position,
      der: row.der,
    };
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

  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
