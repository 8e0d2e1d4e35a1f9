import { Pool } from 'pg';
import { HealthIndicator } from './health/health-indicator';

export function postgresHealthIndicator(name: string, pool: Pool): HealthIndicator {
  return {
    name,
    check: async () => {
      await pool.query('SELECT 1');
    },
  };
}
