export * from './port';
export * from './errors';
export * from './create-event-store';
export { PostgresEventStore, PostgresEventStoreOptions } from './postgres/postgres-event-store';
