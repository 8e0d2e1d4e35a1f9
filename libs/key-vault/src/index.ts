export * from './port';
export * from './envelope';
export * from './master-key';
export * from './postgres/postgres-key-vault';
