/** @module Column groups and custom types shared by the tables. */
import { customType, timestamp } from "drizzle-orm/pg-core";

/** `timestamptz` with millisecond precision, mapped to `Date`. */
export const timestamptz = (name?: string) =>
  name
    ? timestamp(name, { withTimezone: true, precision: 3 })
    : timestamp({ withTimezone: true, precision: 3 });

/** created_at / updated_at, both set by the database on insert. */
export const timestamps = {
  createdAt: timestamptz().notNull().defaultNow(),
  updatedAt: timestamptz().notNull().defaultNow(),
};

/** `bytea` mapped to `Uint8Array` (postgres-js returns a Buffer, which is one). */
export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => "bytea",
});
