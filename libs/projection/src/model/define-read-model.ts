import { createHash } from 'node:crypto';
import { JsonObject, RecordedEvent } from '@certm3/event-store';
import { RowWriter, Step } from '../batch/step';
import { fullDdl, SchemaContents } from '../schema/ddl';
import { ReadModelMigration } from '../schema/migrations';
import { FunctionDefinition, ViewDefinition } from '../tables/define-function';
import { AnyTable, DatabaseOf } from '../tables/define-table';

/** Any event union of the shape `{ type, data }`: the domain's, or a test's. */
export interface EventShape {
  readonly type: string;
  readonly data: unknown;
}

/**
 * An event as a projection sees it: as recorded, with `data` in its current shape (upcast), and
 * `recordedData`, the data as the log holds it, when the upcast changed it. What must not change between
 * releases (an append-only audit row of the event) is written from the recorded data: upcasts do change.
 */
export type ProjectedEvent<Data> = Omit<RecordedEvent, 'data'> & {
  readonly data: Data;
  /** The data as written, before the upcast; absent when the upcast left it as it was. */
  readonly recordedData?: JsonObject;
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler<DB = any, Data = any> = (event: ProjectedEvent<Data>, rows: RowWriter<DB>) => Step[];

type HandlersFor<Events extends EventShape, DB> = {
  readonly [Type in Events['type']]?: Handler<DB, Extract<Events, { type: Type }>['data']>;
};

/** One projection: a table or a group of tables, and the events that change them. */
export interface ProjectionDefinition<Handled extends string = string> {
  readonly name: string;
  readonly tables: readonly AnyTable[];
  readonly handlers: { readonly [Type in Handled]: Handler };
}

/** Where a model's tables and its bookkeeping live: apart for the live model, together in a scratch copy. */
export interface ReadModelLayout {
  readonly tables: string;
  readonly bookkeeping: string;
  /** The live tables: batches on them take the swap lock shared, so a rebuild's swap can pause them. */
  readonly live: boolean;
}

export interface ReadModelSpec<
  Projections extends readonly ProjectionDefinition[],
  Ignored extends readonly string[],
> {
  /** Names the bookkeeping schema, the advisory locks, the metric label and the operator URLs. */
  readonly name: string;
  /** The setting that holds the model's database URL, and its default. */
  readonly database: { readonly setting: string; readonly defaultUrl: string };
  /** Where the tables live; `public` (the default) lets `SELECT * FROM users` work with default settings. */
  readonly tablesSchema?: string;
  /** The role dashboards read as; `<name>_reader` by default. */
  readonly readerRole?: string;
  /**
   * Only the projector's role and the reader may use the database: PUBLIC loses CONNECT and TEMPORARY on
   * it and CREATE on schema public; the reader gets CONNECT (see restrictDatabase). For databases of secrets.
   */
  readonly restrictedDatabase?: boolean;
  /** In statement order for an event several projections handle: parents before children. */
  readonly projections: Projections;
  /** Event types of the catalogue that change none of these tables. */
  readonly ignores: Ignored;
  readonly views?: readonly ViewDefinition[];
  /** Functions no trigger names (those of triggers are collected from the tables). */
  readonly functions?: readonly FunctionDefinition[];
  /**
   * Raise it when a projection's output changes without the DDL changing (a column computed otherwise): the
   * fingerprint changes and the runner rebuilds the tables from the first event.
   */
  readonly projectionVersion: number;
  readonly migrations?: readonly ReadModelMigration[];
  /** Brings an event's data of an older schema version to its current shape before any projection sees it. */
  readonly upcast?: (type: string, data: JsonObject, metadata: JsonObject) => unknown;
}

type HandledBy<Projection> = Projection extends ProjectionDefinition<infer Handled> ? Handled : never;

/**
 * Resolves to `unknown` when every event type is handled or ignored, and never both; otherwise to a type
 * whose one property names the offending event types, which the compiler then reports as missing.
 */
export type EventCoverage<All extends string, Handled extends string, Ignored extends string> = [
  Exclude<All, Handled | Ignored>,
] extends [never]
  ? [Extract<Handled, Ignored>] extends [never]
    ? unknown
    : { readonly 'event types both handled and ignored (choose one)': Extract<Handled, Ignored> }
  : {
      readonly 'event types neither handled nor ignored (handle or ignore them)': Exclude<
        All,
        Handled | Ignored
      >;
    };

/** A model, checked and with what the machinery derives from it. */
export interface ReadModel {
  readonly name: string;
  readonly database: { readonly setting: string; readonly defaultUrl: string };
  readonly readerRole: string;
  readonly restrictedDatabase: boolean;
  readonly projectionVersion: number;
  readonly projections: readonly ProjectionDefinition[];
  readonly tables: readonly AnyTable[];
  readonly tableByName: ReadonlyMap<string, AnyTable>;
  readonly tableContents: SchemaContents;
  readonly handlersByType: ReadonlyMap<string, readonly Handler[]>;
  readonly ignored: ReadonlySet<string>;
  readonly migrations: readonly ReadModelMigration[];
  readonly upcast?: (type: string, data: JsonObject, metadata: JsonObject) => unknown;
  readonly liveLayout: ReadModelLayout;
  /** Of the generated DDL and the projection version: stored with the checkpoint, compared at start. */
  readonly fingerprint: string;
}

function collectFunctions(
  tables: readonly AnyTable[],
  explicit: readonly FunctionDefinition[],
): FunctionDefinition[] {
  const byName = new Map<string, FunctionDefinition>();
  for (const definition of [
    ...explicit,
    ...tables.flatMap((table) => table.triggers.map((t) => t.execute)),
  ]) {
    const known = byName.get(definition.name);
    if (known && known !== definition) throw new Error(`two functions are named ${definition.name}`);
    byName.set(definition.name, definition);
  }
  return [...byName.values()];
}

/**
 * A model's name goes into schema names, lock keys and SQL: lower case words of letters and digits joined by
 * single underscores (never two in a row, which end the model's name in its scratch schemas' names), and
 * short enough that `<name>__rebuild_<milliseconds>_<hex>` fits PostgreSQL's 63 bytes.
 */
const MODEL_NAME = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const MAX_MODEL_NAME_LENGTH = 32;
/** The reader role is built into SQL too (a `DO $$` block creates it). */
const ROLE_NAME = /^[a-z][a-z0-9_]*$/;
const MAX_ROLE_NAME_LENGTH = 63;

function checkNames(spec: { readonly name: string; readonly readerRole?: string }): string {
  if (!MODEL_NAME.test(spec.name) || spec.name.length > MAX_MODEL_NAME_LENGTH)
    throw new Error(
      `read model name "${spec.name}" must be lower case letters and digits, words joined by single underscores, at most ${MAX_MODEL_NAME_LENGTH} characters`,
    );
  const readerRole = spec.readerRole ?? `${spec.name}_reader`;
  if (!ROLE_NAME.test(readerRole) || readerRole.length > MAX_ROLE_NAME_LENGTH)
    throw new Error(
      `reader role "${readerRole}" of read model ${spec.name} must be lower case letters, digits and underscores, at most ${MAX_ROLE_NAME_LENGTH} characters`,
    );
  return readerRole;
}

function buildReadModel(spec: ReadModelSpec<readonly ProjectionDefinition[], readonly string[]>): ReadModel {
  const readerRole = checkNames(spec);
  const tables: AnyTable[] = [];
  const owner = new Map<string, string>();
  for (const projection of spec.projections)
    for (const table of projection.tables) {
      const other = owner.get(table.name);
      if (other)
        throw new Error(`table ${table.name} belongs to projections ${other} and ${projection.name}`);
      owner.set(table.name, projection.name);
      tables.push(table);
    }
  const tableByName = new Map(tables.map((table) => [table.name, table]));
  for (const table of tables)
    for (const foreignKey of table.foreignKeys) {
      const target = tableByName.get(foreignKey.table);
      if (!target)
        throw new Error(`${foreignKey.name}: table ${foreignKey.table} is not one of the model's tables`);
      for (const column of foreignKey.references)
        if (!(column in target.columns))
          throw new Error(`${foreignKey.name}: ${foreignKey.table} has no column ${column}`);
    }
  const handlersByType = new Map<string, Handler[]>();
  for (const projection of spec.projections)
    for (const [type, handler] of Object.entries(projection.handlers) as [string, Handler][]) {
      handlersByType.set(type, [...(handlersByType.get(type) ?? []), handler]);
    }
  const ignored = new Set(spec.ignores);
  // The compiler checks this for the domain's own events; a model built from plain data is checked here.
  for (const type of ignored)
    if (handlersByType.has(type)) throw new Error(`event type ${type} is both handled and ignored`);
  const tableContents: SchemaContents = {
    tables,
    functions: collectFunctions(tables, spec.functions ?? []),
    views: spec.views ?? [],
  };
  const tablesSchema = spec.tablesSchema ?? 'public';
  const fingerprint = createHash('sha256')
    .update(
      JSON.stringify({
        ddl: fullDdl(tableContents, tablesSchema),
        projectionVersion: spec.projectionVersion,
      }),
    )
    .digest('hex');
  return {
    name: spec.name,
    database: spec.database,
    readerRole,
    restrictedDatabase: spec.restrictedDatabase ?? false,
    projectionVersion: spec.projectionVersion,
    projections: spec.projections,
    tables,
    tableByName,
    tableContents,
    handlersByType,
    ignored,
    migrations: spec.migrations ?? [],
    upcast: spec.upcast,
    liveLayout: { tables: tablesSchema, bookkeeping: spec.name, live: true },
    fingerprint,
  };
}

/**
 * The definitions of read models over one event union. `defineProjection` types each handler's event data
 * and what it may write (its own tables); `defineReadModel` does not compile unless every event type is
 * handled by a projection or ignored, and none is both — the compiler's message names the types.
 */
export function readModelKit<Events extends EventShape>() {
  return {
    defineProjection<
      const Tables extends readonly AnyTable[],
      const Handlers extends HandlersFor<Events, DatabaseOf<Tables>>,
    >(spec: {
      readonly name: string;
      readonly tables: Tables;
      readonly handlers: Handlers;
    }): ProjectionDefinition<keyof Handlers & string> {
      return spec as unknown as ProjectionDefinition<keyof Handlers & string>;
    },
    defineReadModel<
      const Projections extends readonly ProjectionDefinition[],
      const Ignored extends readonly Events['type'][],
    >(
      spec: ReadModelSpec<Projections, Ignored> &
        EventCoverage<Events['type'], HandledBy<Projections[number]>, Ignored[number]>,
    ): ReadModel {
      return buildReadModel(spec);
    },
  };
}

/** A scratch copy's layout: tables and bookkeeping in one schema no reader sees. */
export function scratchLayout(schema: string): ReadModelLayout {
  return { tables: schema, bookkeeping: schema, live: false };
}

/** An advisory lock key of the model's own (two models may share a database). */
export function lockKey(model: string, purpose: 'writer' | 'swap' | 'operations'): bigint {
  return createHash('sha256').update(`certm3-projection/${model}/${purpose}`).digest().readBigInt64BE(0);
}

/** One key for every model's schema sync in a database: they may share `public` and its functions. */
export const SCHEMA_SYNC_LOCK = 0x63657274_6d330004n;

/** The event as the model's projections see it: its data upcast to the current shape, the written data kept. */
export function projectedEvent(model: ReadModel, event: RecordedEvent): ProjectedEvent<unknown> {
  if (!model.upcast) return event;
  const data = model.upcast(event.type, event.data, event.metadata);
  return data === event.data ? event : { ...event, data, recordedData: event.data };
}
