import { Client } from 'pg';

/**
 * A transaction that holds an id and stays open: while it runs, the PostgreSQL event store cannot be sure
 * that nothing will still commit before events already committed (see readAll's settling).
 */
export class OlderTransaction {
  private constructor(private readonly client: Client) {}

  static async connect(url: string): Promise<OlderTransaction> {
    const client = new Client({ connectionString: url });
    await client.connect();
    return new OlderTransaction(client);
  }

  async begin(): Promise<void> {
    await this.client.query('BEGIN');
    await this.client.query('SELECT pg_current_xact_id()'); // a transaction takes an id when it first needs one
  }

  async commit(): Promise<void> {
    await this.client.query('COMMIT');
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}
