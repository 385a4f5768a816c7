/**
 * `items` in slices of `most`, the rest in slices whose lengths are powers of two (37 of at most
 * 100: 32, 4, 1). A multi-row INSERT has a text of its own for every row count, and SQLite a
 * prepared statement per text (~1.6 KB a row: 160 KB for a 100-row INSERT of records); batches of
 * every size from 1 to 100 made the sealing thread's connection prepare and keep hundreds of them.
 * With these slices a table's INSERTs have at most eight texts, for a few statements more per batch.
 */
export function* batchSlices<T>(items: readonly T[], most: number): Generator<readonly T[]> {
  let from = 0;
  while (items.length - from >= most) {
    yield items.slice(from, from + most);
    from += most;
  }
  for (let size = 2 ** Math.floor(Math.log2(most)); size >= 1; size /= 2) {
    if (items.length - from >= size) {
      yield items.slice(from, from + size);
      from += size;
    }
  }
}
