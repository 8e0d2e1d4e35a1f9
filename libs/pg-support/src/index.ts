export * from './ensure-database';
export * from './advisory-lock';
export * from './connection-errors';
