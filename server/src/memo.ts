/** Per-object memo tables (a view's runs, a view's findings per rule...). */

/** A map or weak map: what `kept` needs of it. */
interface Table<K, V> {
  get(key: K): V | undefined;
  set(key: K, value: V): unknown;
}

/** The value `table` holds for `key`, made by `make` and kept there the first time it is asked for. */
export function kept<K, V>(table: Table<K, V>, key: K, make: () => V): V {
  let value = table.get(key);
  if (value === undefined) {
    value = make();
    table.set(key, value);
  }
  return value;
}
