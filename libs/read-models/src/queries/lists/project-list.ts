import { MILESTONE_KINDS } from '@yuantrace/domain';
import type { SqlExecutor } from '@yuantrace/event-store';
import { basisSql, dateText, type Basis } from '../../shared/basis';
import { yuan } from '../../shared/figure-sql';
import { orderBy, underPrefix, type ListPage, type ListResult } from './list-page';
import { maxParam } from './payment-list';
import { projectExistsBy } from '../projects/project-queries';

export const PROJECT_STAGES = ['proposed', ...MILESTONE_KINDS] as const;
export const PROJECT_SORTS = ['projectId', 'name', 'budget', 'plannedStart'] as const;

export type ProjectListFilter = { unitPrefix: string; type?: string; stage?: string; year?: number };

const COLUMNS = { projectId: 'p.project_id', name: 'p.name', budget: 'p.budget_fen', plannedStart: 'p.planned_start' };
/** The stage as a number: 0 proposed, then each milestone kind in its natural order (stageOf in the domain). */
const KINDS = `array[${MILESTONE_KINDS.map((k) => `'${k}'`).join(', ')}]::text[]`;

/**
 * Projects in a region. A project exists under the basis as projectView has it (known by then;
 * as of a date, once approved, due to start or funded: projectExistsBy); its stage is the furthest milestone dated and
 * known by the basis. `year` is the year it was planned to start.
 */
export async function listProjects(q: SqlExecutor, f: ProjectListFilter, page: ListPage, basis: Basis): Promise<ListResult<Record<string, unknown>>> {
  const params: unknown[] = [underPrefix(f.unitPrefix)];
  const where = ['p.unit_code like $1', basisSql({ knownAt: basis.knownAt }, params, 'p')];
  if (basis.asOf) {
    where.push(projectExistsBy('p', `$${params.push(basis.asOf)}::date`, basis.knownAt ? `$${params.push(basis.knownAt.toISOString())}::timestamptz` : undefined));
  }
  if (f.type !== undefined) where.push(`p.type = $${params.push(f.type)}`);
  if (f.year !== undefined) where.push(`p.planned_start >= $${params.push(`${f.year}-01-01`)}::date and p.planned_start < $${params.push(`${f.year + 1}-01-01`)}::date`);
  const stage = `left join lateral (select coalesce(max(array_position(${KINDS}, m.kind)), 0) as stage_rank from rm_project_milestones m
      where m.project_id = p.project_id and ${basisSql(basis, params, 'm')}) s on true`;
  const stageWhere = f.stage !== undefined ? [`s.stage_rank = $${params.push(PROJECT_STAGES.indexOf(f.stage as (typeof PROJECT_STAGES)[number]))}`] : [];
  const order = orderBy(page.sort, COLUMNS, 'p.project_id');
  const [count, rows] = stageWhere.length
    ? await Promise.all([
      q.query<{ total: string }>(`select count(*) as total from rm_projects p ${stage} where ${[...where, ...stageWhere].join(' and ')}`, params),
      q.query<Record<string, unknown>>(`select p.*, s.stage_rank from rm_projects p ${stage} where ${[...where, ...stageWhere].join(' and ')} order by ${order}
        limit ${page.limit} offset ${page.offset}`, params),
    ])
    : await Promise.all([
      q.query<{ total: string }>(`select count(*) as total from rm_projects p where ${where.join(' and ')}`, params.slice(0, maxParam(where))),
      q.query<Record<string, unknown>>(`select p.*, s.stage_rank from (select p.* from rm_projects p where ${where.join(' and ')} order by ${order}
        limit ${page.limit} offset ${page.offset}) p ${stage} order by ${order}`, params),
    ]);
  return {
    total: Number(count.rows[0]?.total ?? 0),
    items: rows.rows.map((r) => ({
      projectId: r.project_id, name: r.name, type: r.type, unitCode: r.unit_code, implementer: r.implementer, budget: yuan(r.budget_fen),
      plannedStart: dateText(r.planned_start), plannedEnd: dateText(r.planned_end), stage: PROJECT_STAGES[Number(r.stage_rank ?? 0)],
      recordedAt: new Date(r.recorded_at as string).toISOString(),
    })),
  };
}
