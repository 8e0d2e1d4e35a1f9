/**
 * The read-model machinery, generic over any event union and any set of tables: definitions (tables,
 * projections, models), schema sync, the batch planner and merger, the runner, rebuild and verify. It knows
 * nothing of certm3's tables; apps/projector/src/read-models defines those.
 */
export * from './tables/column';
export * from './tables/define-table';
export * from './tables/define-function';
export * from './model/define-read-model';
export * from './batch/step';
export * from './batch/apply-batch';
export * from './batch/merge-statements';
export * from './bookkeeping/bookkeeping';
export * from './schema/ddl';
export * from './schema/catalog';
export * from './schema/sync-schema';
export * from './schema/migrations';
export * from './schema/prepare-read-model';
export * from './operations/replay';
export * from './operations/rebuild';
export * from './operations/verify';
export * from './operations/scratch-schema';
export * from './runner/read-model-runner';
export * from './runner/projector-metrics';
export * from './runner/single-connection';
