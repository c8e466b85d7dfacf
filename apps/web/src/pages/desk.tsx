import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, useApi, type Basis } from '../lib/api';
import { BasisBar, basisQuery } from '../components/basis-bar';
import { ExportButtons } from '../components/export-buttons';
import { Chart } from '../components/chart';
import { ErrorBox, Figures, Loading, Money, Section, Table } from '../components/ui';
import {
  drawnYuan, nameOf, percentOf, REGION_FIGURES, SEVERITY_NAMES, SOURCE_NAMES, BATCH_STATUS_NAMES, UNIT_LEVEL_NAMES, yuan,
} from '../lib/format';
import { href, setQuery } from '../lib/router';
import type { Principal } from '../lib/session';

type Figures = { received: string; returned: string; allocated: string; committed: string; returnedFromProjects: string; held: string; paid: string; balance: string };
type SourceYear = Figures & { source: string; fiscalYear: number };
type UnitSummary = Figures & { basis: Basis; code: string; name: string; level: string; householdsReached: number; bySourceAndYear: SourceYear[];
  subUnits: (Figures & { code: string; name: string; level: string; householdsReached: number })[] };
type BatchRow = { batchId: string; documentNo: string; title: string; source: string; recipientUnitCode: string; fiscalYear: number; amount: string; status: string;
  rootDocumentNo: string; unspent: string; unspentSince: string | null; ageDays: number | null };
type Alert = { alertId: string; ruleId: string; ruleName: string; description: string; severity: string; subject: { kind: string; id: string }; amount: string | null; raisedOn: string; status: string };

const MAY_SEE_BATCHES = ['finance', 'approver', 'inspector', 'auditor'];
const MAY_SEE_ALERTS = ['finance', 'inspector', 'auditor'];

/** Half-year ends from the first fiscal year to the basis date: the points of the spending-progress curve. */
function progressDates(firstYear: number, until: string): string[] {
  const out: string[] = [];
  for (let y = firstYear; y <= Number(until.slice(0, 4)); y++) {
    for (const md of ['06-30', '12-31']) {
      const d = `${y}-${md}`;
      if (d < until) out.push(d);
    }
  }
  out.push(until);
  return out;
}

/**
 * 拨付进度 over time: the unit's summary replayed as of each half-year end (the api answers any date),
 * so the curve is exactly what the books said on each of those days, as known at the page's knownAt.
 */
function ProgressChart({ unit, firstYear, lastYear, asOf, knownAt }: { unit: string; firstYear: number; lastYear: number; asOf: string; knownAt?: string }) {
  const [points, setPoints] = useState<{ date: string; received: string; paid: string }[] | null>(null);
  useEffect(() => {
    let live = true;
    // Up to the end of the year after the last fiscal year with money, or the basis date if earlier.
    const end = `${lastYear + 1}-12-31`;
    const dates = progressDates(firstYear, asOf < end ? asOf : end);
    Promise.all(dates.map((d) => api.get<UnitSummary>(`/admin-units/${unit}/summary`, { asOf: d, knownAt }).then((s) => ({ date: d, received: s.received, paid: s.paid }))))
      .then((p) => live && setPoints(p), () => live && setPoints([]));
    return () => {
      live = false;
    };
  }, [unit, firstYear, lastYear, asOf, knownAt]);
  const option = useMemo(() => points && {
    tooltip: { trigger: 'axis' },
    legend: { data: ['收到下达（万元）', '已支付（万元）', '拨付进度（%）'] },
    grid: { left: 56, right: 56, bottom: 40 },
    xAxis: { type: 'category', data: points.map((p) => p.date) },
    yAxis: [{ type: 'value', name: '万元' }, { type: 'value', name: '%', max: 100 }],
    series: [
      // Chart heights only: the exact figures are in the table beside it.
      { name: '收到下达（万元）', type: 'bar', data: points.map((p) => drawnYuan(p.received) / 10000) },
      { name: '已支付（万元）', type: 'bar', data: points.map((p) => drawnYuan(p.paid) / 10000) },
      { name: '拨付进度（%）', type: 'line', yAxisIndex: 1, data: points.map((p) => Number(percentOf(p.paid, p.received).replace('%', '').replace('—', '0'))) },
    ],
  }, [points]);
  if (!points) return <Loading what="拨付进度" />;
  return (
    <>
      <Chart option={option} label={`拨付进度：${points.map((p) => `${p.date} 已支付 ${yuan(p.paid)} 元，占收到 ${percentOf(p.paid, p.received)}`).join('；')}`} testId="progress-chart" height={320} />
      <details>
        <summary>拨付进度数据表</summary>
        <Table rows={points} columns={[
          { label: '截至', cell: (p) => p.date },
          { label: '收到下达（元）', num: true, cell: (p) => <Money v={p.received} /> },
          { label: '已支付（元）', num: true, cell: (p) => <Money v={p.paid} /> },
          { label: '拨付进度', num: true, cell: (p) => percentOf(p.paid, p.received) },
        ]} />
      </details>
    </>
  );
}

/**
 * 县级驾驶舱: a unit's money received, passed on, held, paid and returned, by source and year; its
 * spending progress over time; batches with money unspent and for how long; the newest red flags.
 */
export function DeskPage({ who }: { who: Principal }) {
  const basis = basisQuery();
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const unit = params.get('unit') ?? who.scope;
  const summary = useApi<UnitSummary>(`/admin-units/${unit}/summary`, basis);
  const batches = useApi<{ total: number; items: BatchRow[] }>(MAY_SEE_BATCHES.includes(who.role) ? '/fund-batches' : null,
    { ...basis, unitCode: unit, unspentOnly: true, sort: '-unspent', limit: 20 });
  const alerts = useApi<{ total: number; bySeverity: Record<string, number>; alerts: Alert[] }>(MAY_SEE_ALERTS.includes(who.role) ? '/alerts' : null,
    { ...basis, unitCode: unit, limit: 8 });
  const s = summary.data;
  const years = s ? s.bySourceAndYear.map((r) => r.fiscalYear) : [];
  const firstYear = years.length ? Math.min(...years) : null;
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  return (
    <>
      <h1>县级驾驶舱{s ? ` · ${s.name}` : ''}</h1>
      {s && <p class="sub">{nameOf(UNIT_LEVEL_NAMES, s.level)}级单位 {s.code}，含下级全部单位；金额单位：元</p>}
      <BasisBar basis={s?.basis} />
      <ExportButtons path={`/admin-units/${unit}/summary`} query={basis} what="汇总" />
      <ErrorBox error={summary.error} />
      {summary.loading && <Loading />}
      {s && (
        <>
          <Figures values={s} names={REGION_FIGURES} />
          <div class="figures">
            <div class="figure" data-figure="progress"><div class="label">拨付进度（已支付 ÷ 收到下达）</div><div class="value" data-testid="progress">{percentOf(s.paid, s.received)}</div></div>
            <div class="figure"><div class="label">受益建档立卡户（户）</div><div class="value" data-testid="households-reached">{s.householdsReached}</div></div>
          </div>
          <Section title="按资金来源和年度">
            <Table rows={s.bySourceAndYear} rowKey={(r) => `${r.source}-${r.fiscalYear}`} columns={[
              { label: '资金来源', cell: (r) => nameOf(SOURCE_NAMES, r.source) },
              { label: '年度', cell: (r) => r.fiscalYear },
              { label: '收到下达', num: true, cell: (r) => <Money v={r.received} /> },
              { label: '下拨下级', num: true, cell: (r) => <Money v={r.allocated} /> },
              { label: '冻结在途', num: true, cell: (r) => <Money v={r.held} /> },
              { label: '已支付', num: true, cell: (r) => <Money v={r.paid} /> },
              { label: '退回上级', num: true, cell: (r) => <Money v={r.returned} /> },
              { label: '结余', num: true, cell: (r) => <Money v={r.balance} /> },
              { label: '拨付进度', num: true, cell: (r) => percentOf(r.paid, r.received) },
            ]} />
          </Section>
          {firstYear !== null && (
            <Section title="拨付进度（按半年回看）">
              <ProgressChart unit={unit} firstYear={firstYear} lastYear={Math.max(...years)} asOf={basis.asOf ?? today} knownAt={basis.knownAt} />
            </Section>
          )}
          {s.subUnits.length > 0 && (
            <Section title="下级单位">
              <Table rows={s.subUnits} rowKey={(r) => r.code} columns={[
                { label: '单位', cell: (r) => <a href="#" onClick={(e) => (e.preventDefault(), setQuery({ unit: r.code }))}>{r.name}</a> },
                { label: '收到下达', num: true, cell: (r) => <Money v={r.received} /> },
                { label: '已支付', num: true, cell: (r) => <Money v={r.paid} /> },
                { label: '冻结在途', num: true, cell: (r) => <Money v={r.held} /> },
                { label: '结余', num: true, cell: (r) => <Money v={r.balance} /> },
                { label: '受益户', num: true, cell: (r) => r.householdsReached },
                { label: '公示', cell: (r) => r.level === 'village' ? <a href={href(['board', r.code])}>公示栏</a> : '' },
              ]} />
            </Section>
          )}
        </>
      )}
      {batches.data && (
        <Section title={`尚有结余的资金批次（${batches.data.total} 个）`}>
          <Table rows={batches.data.items} rowKey={(r) => r.batchId} columns={[
            { label: '批次', cell: (r) => <a href={href(['flow', r.batchId])}>{r.batchId}</a> },
            { label: '文号', cell: (r) => r.documentNo },
            { label: '来源', cell: (r) => nameOf(SOURCE_NAMES, r.source) },
            { label: '年度', cell: (r) => r.fiscalYear },
            { label: '状态', cell: (r) => nameOf(BATCH_STATUS_NAMES, r.status) },
            { label: '金额', num: true, cell: (r) => <Money v={r.amount} /> },
            { label: '结余', num: true, cell: (r) => <Money v={r.unspent} /> },
            { label: '结余起始', cell: (r) => r.unspentSince ?? '—' },
            { label: '闲置天数', num: true, cell: (r) => r.ageDays ?? '—' },
          ]} />
        </Section>
      )}
      <ErrorBox error={batches.error} />
      {alerts.data && (
        <Section title={`最新预警（共 ${alerts.data.total} 条：红 ${alerts.data.bySeverity.red ?? 0}，黄 ${alerts.data.bySeverity.yellow ?? 0}，蓝 ${alerts.data.bySeverity.blue ?? 0}）`}>
          <Table rows={alerts.data.alerts} rowKey={(r) => r.alertId} columns={[
            { label: '等级', cell: (r) => <span class={`badge sev-${r.severity}`}>{nameOf(SEVERITY_NAMES, r.severity)}</span> },
            { label: '规则', cell: (r) => `${r.ruleId} ${r.ruleName}` },
            { label: '说明', cell: (r) => <a href={href(['alerts', r.alertId])}>{r.description}</a> },
            { label: '对象', cell: (r) => r.subject.kind === 'payment' ? <a href={href(['payments', r.subject.id])}>{r.subject.id}</a> : r.subject.id },
            { label: '金额', num: true, cell: (r) => <Money v={r.amount} /> },
            { label: '发现日期', cell: (r) => r.raisedOn },
          ]} />
          <p><a href={href(['alerts'])}>全部预警 →</a></p>
        </Section>
      )}
      <ErrorBox error={alerts.error} />
    </>
  );
}
