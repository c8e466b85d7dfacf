import { HOUSEHOLD_STATUSES } from '@yuantrace/domain';
import type { SqlExecutor } from '@yuantrace/event-store';
import { basisSql, dateText, type Basis } from '../../shared/basis';
import { orderBy, underPrefix, type ListPage, type ListResult } from './list-page';
import { maxParam } from './payment-list';

export const HOUSEHOLD_LIST_STATUSES = ['registered', ...HOUSEHOLD_STATUSES] as const;
export const HOUSEHOLD_SORTS = ['householdId', 'registeredOn', 'unitCode', 'headName'] as const;

export type HouseholdListFilter = { unitPrefix: string; status?: string; category?: string; name?: string };
export type HouseholdListItem = {
  householdId: string; unitCode: string; category: string; registeredOn: string; status: string; memberCount: number;
  head: { name: string; idRef: string; idMasked: string } | null;
};

const HEAD_NAME = `(select m->>'name' from jsonb_array_elements(h.members) m where m->>'relation' = 'head' limit 1)`;
const COLUMNS = { householdId: 'h.household_id', registeredOn: 'h.registered_on', unitCode: 'h.unit_code', headName: HEAD_NAME };

/**
 * Registered households in a region, as householdView has them under the basis (known by then;
 * as of a date, registered by it), with their status as of the basis. `name` matches part of the
 * head's name. Members come with vault refs only: the caller reveals or masks.
 */
export async function listHouseholds(q: SqlExecutor, f: HouseholdListFilter, page: ListPage, basis: Basis): Promise<ListResult<HouseholdListItem>> {
  const params: unknown[] = [underPrefix(f.unitPrefix)];
  const where = ['h.unit_code like $1', basisSql({ knownAt: basis.knownAt }, params, 'h')];
  if (basis.asOf) where.push(`h.registered_on <= $${params.push(basis.asOf)}::date`);
  if (f.category !== undefined) where.push(`h.category = $${params.push(f.category)}`);
  if (f.name !== undefined) where.push(`strpos(${HEAD_NAME}, $${params.push(f.name)}) > 0`);
  const state = `left join lateral (select s.status from rm_household_status s where s.household_id = h.household_id and ${basisSql(basis, params, 's')}
      order by s.effective_date desc, s.recorded_at desc limit 1) s on true`;
  const stateWhere = f.status !== undefined ? [`coalesce(s.status, 'registered') = $${params.push(f.status)}`] : [];
  const order = orderBy(page.sort, COLUMNS, 'h.household_id');
  const [count, rows] = stateWhere.length
    ? await Promise.all([
      q.query<{ total: string }>(`select count(*) as total from rm_households h ${state} where ${[...where, ...stateWhere].join(' and ')}`, params),
      q.query<Record<string, any>>(`select h.*, s.status from rm_households h ${state} where ${[...where, ...stateWhere].join(' and ')} order by ${order}
        limit ${page.limit} offset ${page.offset}`, params),
    ])
    : await Promise.all([
      q.query<{ total: string }>(`select count(*) as total from rm_households h where ${where.join(' and ')}`, params.slice(0, maxParam(where))),
      q.query<Record<string, any>>(`select h.*, s.status from (select h.* from rm_households h where ${where.join(' and ')} order by ${order}
        limit ${page.limit} offset ${page.offset}) h ${state} order by ${order}`, params),
    ]);
  return {
    total: Number(count.rows[0]?.total ?? 0),
    items: rows.rows.map((r) => {
      const members = r.members as Array<{ name: string; idRef: string; idMasked: string; relation: string }>;
      const head = members.find((m) => m.relation === 'head');
      return {
        householdId: r.household_id, unitCode: r.unit_code, category: r.category, registeredOn: dateText(r.registered_on), status: r.status ?? 'registered',
        memberCount: members.length, head: head ? { name: head.name, idRef: head.idRef, idMasked: head.idMasked } : null,
      };
    }),
  };
}
