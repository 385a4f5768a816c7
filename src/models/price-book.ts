import type { z } from 'zod';
import type { Deps } from '../deps.ts';
import { appendAudit } from '../governance/audit-log.ts';
import type { Actor } from '../identity/actor.ts';
import { ConflictError, NotFoundError } from '../platform/errors.ts';
import type { PriceTablesTable } from '../store/schema.ts';
import {
  type PriceEntry,
  type PriceTable,
  type priceTableInputSchema,
  shippedPriceTable,
} from './price-table.ts';

/**
 * Each organization's current price table, cached: the engine prices every step with it. An edit
 * in this process is seen at once (`invalidate`); one made by another process within `cacheMs`.
 */
export interface PriceBook {
  currentFor(orgId: string): Promise<PriceTable>;
  invalidate(orgId: string): void;
}

export function createPriceBook(deps: Pick<Deps, 'store' | 'clock'>, cacheMs = 30_000): PriceBook {
  const cache = new Map<string, { at: number; table: Promise<PriceTable> }>();
  return {
    currentFor(orgId) {
      const now = deps.clock.now();
      const hit = cache.get(orgId);
      if (hit && now - hit.at < cacheMs) return hit.table;
      const table = readCurrent(deps, orgId);
      table.catch(() => cache.delete(orgId));
      cache.set(orgId, { at: now, table });
      return table;
    },
    invalidate(orgId) {
      cache.delete(orgId);
    },
  };
}

function toTable(row: PriceTablesTable): PriceTable {
  return {
    version: row.version,
    entries: JSON.parse(row.prices) as PriceEntry[],
    note: row.note,
    createdAt: new Date(row.created_at).toISOString(),
    createdBy: row.created_by,
  };
}

async function readCurrent(deps: Pick<Deps, 'store'>, orgId: string): Promise<PriceTable> {
  const row = await deps.store.db
    .selectFrom('price_tables')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? toTable(row) : shippedPriceTable;
}

/** Every version of the organization's price table, newest first, ending with the shipped one. */
export async function listPriceTables(deps: Pick<Deps, 'store'>, actor: Actor): Promise<PriceTable[]> {
  const rows = await deps.store.db
    .selectFrom('price_tables')
    .selectAll()
    .where('org_id', '=', actor.orgId)
    .orderBy('version', 'desc')
    .execute();
  return [...rows.map(toTable), shippedPriceTable];
}

/** One version; throws NotFoundError when the organization has no such version. */
export async function getPriceTableOrThrow(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  version: number,
): Promise<PriceTable> {
  if (version === 0) return shippedPriceTable;
  const row = await deps.store.db
    .selectFrom('price_tables')
    .selectAll()
    .where('org_id', '=', actor.orgId)
    .where('version', '=', version)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('price table version', String(version));
  return toTable(row);
}

/**
 * Stores `input` as the organization's next price-table version; steps priced from now on record
 * it. Throws ConflictError when another edit took that version number first.
 */
export async function putPriceTable(
  deps: Pick<Deps, 'store' | 'clock' | 'ids' | 'pricing'>,
  actor: Actor,
  input: z.infer<typeof priceTableInputSchema>,
): Promise<PriceTable> {
  const current = await readCurrent(deps, actor.orgId);
  const now = deps.clock.now();
  const row: PriceTablesTable = {
    org_id: actor.orgId,
    version: current.version + 1,
    prices: JSON.stringify(input.entries),
    note: input.note,
    created_by: actor.userId,
    created_at: now,
  };
  try {
    await deps.store.transaction(async (trx) => {
      await trx.insertInto('price_tables').values(row).execute();
      await appendAudit(trx, deps.ids, now, {
        orgId: actor.orgId,
        actor: actor.userId,
        action: 'prices.changed',
        target: `price_table:${row.version}`,
        details: { version: row.version, entries: input.entries.length, note: input.note },
      });
    });
  } catch (error) {
    const latest = await readCurrent(deps, actor.orgId);
    if (latest.version >= row.version)
      throw new ConflictError(
        `price table version ${row.version} was just written by another edit; try again`,
      );
    throw error;
  }
  deps.pricing.invalidate(actor.orgId);
  return toTable(row);
}
