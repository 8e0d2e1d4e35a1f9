export * from './port';
export * from './errors';
export * from './create-event-store';
export { PostgresEventStore, PostgresEventStoreOptions } from './postgres/postgres-event-store';
export { EsdbEventStore, EsdbEventStoreOptions } from './esdb/esdb-event-store';
export * from './event-ids';
export * from './integrity';
export { findUnstorableText, UnstorableText } from './validate-append';
