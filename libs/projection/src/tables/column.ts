import { ColumnType } from 'kysely';

/** What a column is, as data: the DDL, the comparison with the catalog and the batch merger read it. */
export interface ColumnSpec {
  /** The type as the DDL writes it (`varchar(255)`); PostgreSQL's own spelling is compared, not this. */
  readonly type: string;
  /**
   * How a merged batch reads the column back out of JSON (`jsonb_to_recordset`). Length-limited types read
   * as text and are then assigned, so a value too long fails as it would in a single INSERT instead of
   * being cut by a cast.
   */
  readonly recordsetType: string;
  readonly notNull: boolean;
  readonly primaryKey: boolean;
  readonly unique: boolean;
  /** SQL expression, as written after DEFAULT. */
  readonly defaultSql?: string;
  readonly references?: { readonly table: string; readonly column: string };
  /** Enum-like: a CHECK constraint named `<table>_<column>_check`, PostgreSQL's own default name. */
  readonly allowed?: readonly string[];
}

declare const columnTypes: unique symbol;

/**
 * A column of a table definition. The type parameters carry what kysely needs (the value read, the value
 * written, whether NULL is allowed, whether the database supplies a default), so a table's row type is
 * inferred from its definition and never written twice.
 */
export class Column<
  Select,
  Insert = Select,
  Nullable extends boolean = true,
  HasDefault extends boolean = false,
> {
  declare readonly [columnTypes]: {
    readonly select: Select;
    readonly insert: Insert;
    readonly nullable: Nullable;
    readonly hasDefault: HasDefault;
  };

  constructor(readonly spec: ColumnSpec) {}

  notNull(): Column<Select, Insert, false, HasDefault> {
    return new Column({ ...this.spec, notNull: true });
  }

  /** A one-column primary key, named `<table>_pkey`. Composite keys are the table's `primaryKey`. */
  primaryKey(): Column<Select, Insert, false, HasDefault> {
    return new Column({ ...this.spec, notNull: true, primaryKey: true });
  }

  /** A one-column unique constraint, named `<table>_<column>_key`. */
  unique(): Column<Select, Insert, Nullable, HasDefault> {
    return new Column({ ...this.spec, unique: true });
  }

  default(sqlExpression: string): Column<Select, Insert, Nullable, true> {
    return new Column({ ...this.spec, defaultSql: sqlExpression });
  }

  /**
   * A foreign key named `<table>_<column>_fkey`, created DEFERRABLE INITIALLY IMMEDIATE: checked per
   * statement as usual, deferred only by a rebuild's swap, which replaces rows in any order.
   */
  references(table: string, column: string): Column<Select, Insert, Nullable, HasDefault> {
    return new Column({ ...this.spec, references: { table, column } });
  }

  /** Only these values: a CHECK constraint, and the row type narrowed to them. */
  oneOf<const Values extends readonly (Select & string)[]>(
    values: Values,
  ): Column<Values[number], Values[number], Nullable, HasDefault> {
    return new Column({ ...this.spec, allowed: values });
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyColumn = Column<any, any, boolean, boolean>;

/** The kysely column type of a column definition. */
export type ColumnTypeOf<C> =
  C extends Column<infer Select, infer Insert, infer Nullable, infer HasDefault>
    ? ColumnType<
        Nullable extends true ? Select | null : Select,
        (Nullable extends true ? Insert | null : Insert) | (HasDefault extends true ? undefined : never),
        Nullable extends true ? Insert | null : Insert
      >
    : never;

function column<Select, Insert = Select>(type: string, recordsetType = type): Column<Select, Insert> {
  return new Column({ type, recordsetType, notNull: false, primaryKey: false, unique: false });
}

export const uuid = () => column<string>('uuid');
export const text = () => column<string>('text');
export const varchar = (length: number) => column<string>(`varchar(${length})`, 'text');
export const char = (length: number) => column<string>(`char(${length})`, 'text');
export const boolean = () => column<boolean>('boolean');
export const smallint = () => column<number>('smallint');
export const integer = () => column<number>('integer');
/** Read as a string: a bigint can exceed what a JavaScript number holds exactly. */
export const bigint = () => column<string, string | number | bigint>('bigint');
export const numeric = (precision?: number, scale?: number) =>
  column<string, string | number>(
    precision === undefined ? 'numeric' : `numeric(${precision}${scale === undefined ? '' : `, ${scale}`})`,
    'numeric',
  );
/** An integer the database numbers itself (a sequence owned by the column). */
export const serial = () =>
  new Column<number, number, false, true>({
    type: 'serial',
    recordsetType: 'integer',
    notNull: true,
    primaryKey: false,
    unique: false,
  });
/** Without time zone, holding UTC: the values come from the events' own timestamps. */
export const timestamp = () => column<Date, Date | string>('timestamp');
export const timestamptz = () => column<Date, Date | string>('timestamptz');
export const date = () => column<Date, Date | string>('date');
export const inet = () => column<string>('inet');
export const bytea = () => column<Buffer>('bytea');
/** JSON the database can compare and index (GIN); `json` cannot be compared, so rebuilds could not diff it. */
export const jsonb = <Shape = unknown>() => column<Shape>('jsonb');
/** Any other type, as PostgreSQL spells it in DDL. */
export const customType = <Select, Insert = Select>(type: string, recordsetType = type) =>
  column<Select, Insert>(type, recordsetType);
