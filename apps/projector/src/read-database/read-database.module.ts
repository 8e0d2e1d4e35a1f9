import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { ensureDatabase } from '@certm3/pg-support';
import { postgresHealthIndicator } from '@certm3/app-runtime';

export const READ_DATABASE_POOL = Symbol('READ_DATABASE_POOL');
export const READ_DATABASE_HEALTH = Symbol('READ_DATABASE_HEALTH');

class ReadDatabaseLifecycle implements OnApplicationShutdown {
  constructor(@Inject(READ_DATABASE_POOL) private readonly pool: Pool) {}
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

/** The PostgreSQL database the projections write to and dashboards read from. */
@Module({})
export class ReadDatabaseModule {
  static forRoot(url: string): DynamicModule {
    return {
      module: ReadDatabaseModule,
      providers: [
        {
          provide: READ_DATABASE_POOL,
          useFactory: async () => {
            await ensureDatabase(url);
            const pool = new Pool({ connectionString: url, max: 5, connectionTimeoutMillis: 5_000 });
            pool.on('error', () => undefined);
            await pool.query('SELECT 1');
            return pool;
          },
        },
        {
          provide: READ_DATABASE_HEALTH,
          inject: [READ_DATABASE_POOL],
          useFactory: (pool: Pool) => postgresHealthIndicator('postgres', pool),
        },
        ReadDatabaseLifecycle,
      ],
      exports: [READ_DATABASE_POOL, READ_DATABASE_HEALTH],
    };
  }
}
