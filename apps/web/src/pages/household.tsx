import { useMemo, useState } from 'preact/hooks';
import { api, ApiError, useApi, type Basis } from '../lib/api';
import { BasisBar, basisQuery, describeBasis } from '../components/basis-bar';
import { ExportButtons } from '../components/export-buttons';
import { Chart } from '../components/chart';
import { ErrorBox, Loading, Money, Section, Table } from '../components/ui';
import {
  drawnYuan, HOUSEHOLD_CATEGORY_NAMES, HOUSEHOLD_STATUS_NAMES, ISSUER_LEVEL_NAMES, nameOf, POVERTY_CAUSE_NAMES, PROJECT_TYPE_NAMES,
  RELATION_NAMES, SOURCE_NAMES, yuan,
} from '../lib/format';
import { currentRoute, href, setQuery } from '../lib/router';
import type { Principal } from '../lib/session';

type Member = { name: string; relation: string; birthYear: number; idNumber: string };
type StatusChange = { status: string; date: string; reason: string | null; documentNo: string | null; recordedAt: string };
type Hop = { hop: 'appropriation' | 'allocation'; batchId: string; documentNo: string; issuerLevel: string; recipientUnitCode: string; source: string;
  fiscalYear: number; amount: string; effectiveDate: string };
type Receipt = { paymentId: string; kind: 'paid' | 'reversed'; amount: string; effectiveDate: string; projectId: string; projectName: string | null;
  projectType: string | null; source: string; fiscalYear: number; origin: { rootBatchId: string; rootDocumentNo: string | null; batchId: string; allocationId: string };
  chain: Hop[] };
type HouseholdView = { basis: Basis; householdId: string; unitCode: string; category: string; causes: string[]; registeredOn: string; status: string;
  members: Member[]; history: StatusChange[]; received: string; receipts: Receipt[];
  totals: { byYear: { year: string; amount: string }[]; bySource: { source: string; amount: string }[]; byProjectType: { projectType: string; amount: string }[] } };
type HouseholdRow = { householdId: string; unitCode: string; category: string; registeredOn: string; status: string; memberCount: number;
  head: { name: string; idNumber: string } | null };
type HouseholdList = { basis: Basis; total: number; limit: number; offset: number; nextOffset: number | null; items: HouseholdRow[] };
type IdentityMatch = { householdId: string; unitCode: string; category: string; registeredOn: string; status: string;
  member: { name: string; relation: string; birthYear: number; idNumber: string } };

/** Roles the api lets look a person up by identity number (POST /lookups/identity). */
const MAY_LOOK_UP = ['finance', 'inspector', 'auditor'];
const PAGE = 50;

const todayInBeijing = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

/**
 * The ledger card printed for a household: black on white, ruled tables, and no screen furniture.
 * Kept with the page (app.css is shared) and scoped under `.hh-card`.
 */
const CARD_CSS = `
.hh-card .chain { margin: 0; padding-left: 1.2em; }
.hh-card .chain li { margin: 0 0 2px; }
.hh-card .print-title { border: 2px solid #000; padding: 8px 12px; margin: 0 0 10px; }
.hh-card .print-title p { margin: 2px 0; }
.hh-card .grand { font-size: 18px; font-weight: 700; }
.hh-card .facts { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 24px; }
.hh-card .nowrap { white-space: nowrap; }
.hh-card .chain-cell { text-align: left; }
@media (max-width: 600px) { .hh-card table.stackable td::before { flex-shrink: 0; } }
.hh-card .totals { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 0 16px; }
@media print {
  @page { size: A4; margin: 14mm; }
  .hh-card, .hh-card table { color: #000; }
  .hh-card th { background: #fff; }
  .hh-card th, .hh-card td { border: 1px solid #000; }
  .hh-card .table-wrap { overflow: visible; border: 0; }
  .hh-card tr, .hh-card .card { break-inside: avoid; }
  .hh-card .chart { display: none; }
  .hh-card .card { border-color: #000; }
  .hh-card .badge { border-color: #000; color: #000; }
}`;

/** Who and what a household is, in one sentence for the print header and the page's subtitle. */
function headOf(v: HouseholdView): Member | undefined {
  return v.members.find((m) => m.relation === 'head');
}

/** The chain from the root appropriation down to the batch the receipt was paid from, each with its 文号. */
function ChainList({ chain, interactive }: { chain: Hop[]; interactive: boolean }) {
  const fromRoot = [...chain].reverse();
  return (
    <ol class="chain" aria-label="资金来源链（自下达文号起）">
      {fromRoot.map((h) => (
        <li key={h.batchId}>
          {interactive ? <a href={href(['flow', h.batchId])}>{h.documentNo}</a> : h.documentNo}
          <span class="muted"> {nameOf(ISSUER_LEVEL_NAMES, h.issuerLevel)}{h.hop === 'appropriation' ? '下达' : '分配'} · {h.effectiveDate} · {yuan(h.amount)} 元 · 批次 {h.batchId}</span>
        </li>
      ))}
    </ol>
  );
}

/** The receipts by source as a pie on screen (the exact figures are in the tables beside it). */
function SourcePie({ v }: { v: HouseholdView }) {
  const option = useMemo(() => ({
    tooltip: { trigger: 'item' },
    series: [{
      type: 'pie', radius: ['35%', '65%'],
      data: v.totals.bySource.map((r) => ({ name: nameOf(SOURCE_NAMES, r.source), value: drawnYuan(r.amount) })),
    }],
  }), [v]);
  return <Chart option={option} height={260} testId="source-pie"
    label={`按资金来源：${v.totals.bySource.map((r) => `${nameOf(SOURCE_NAMES, r.source)} ${yuan(r.amount)} 元`).join('；')}`} />;
}

/**
 * 扶贫明白卡: a registered household's profile (identity numbers as the api gives them: masked for a
 * role that may not see them), its status history, every receipt traced to the root 文号, and what it
 * received by year, source and programme. Printable as the card handed to the household.
 */
export function HouseholdPage({ householdId }: { householdId: string; who: Principal }) {
  const basis = basisQuery();
  const view = useApi<HouseholdView>(`/households/${encodeURIComponent(householdId)}`, basis);
  const v = view.data;
  // The village's name for the card (the household view carries only its code).
  const unit = useApi<{ name: string }>(v ? `/admin-units/${v.unitCode}/summary` : null, {});
  const head = v ? headOf(v) : undefined;
  const villageName = unit.data?.name ?? v?.unitCode ?? '';
  return (
    <div class="hh-card">
      <style>{CARD_CSS}</style>
      <p class="no-print"><a href={href(['households'])}>← 农户列表</a></p>
      <h1>扶贫明白卡{head ? ` · ${head.name}户` : ''}</h1>
      {v && <p class="sub no-print">户编号 {v.householdId}，{villageName}；金额单位：元</p>}
      <BasisBar basis={v?.basis} />
      <ExportButtons path={`/households/${encodeURIComponent(householdId)}`} query={basis} what="农户" />
      <ErrorBox error={view.error} />
      {view.error?.status === 404 && <p class="muted">该农户不存在、在所选日期尚未建档，或不在您的管辖范围内。</p>}
      {view.loading && <Loading what="农户台账" />}
      {v && (
        <>
          <div class="print-only print-title" data-testid="print-title">
            <p><strong>户主：</strong>{head?.name ?? '—'}　<strong>户编号：</strong>{v.householdId}</p>
            <p><strong>所在村：</strong>{villageName}（{v.unitCode}）</p>
            <p><strong>打印日期：</strong>{todayInBeijing()}　{describeBasis(v.basis)}</p>
          </div>
          <p class="no-print"><button type="button" class="primary" onClick={() => window.print()}>打印</button></p>
          <Section title="基本情况">
            <ul class="card facts">
              <li>所在村：{villageName}</li>
              <li>类别：{nameOf(HOUSEHOLD_CATEGORY_NAMES, v.category)}</li>
              <li>致贫原因：{v.causes.length ? v.causes.map((c) => nameOf(POVERTY_CAUSE_NAMES, c)).join('、') : '—'}</li>
              <li>建档日期：{v.registeredOn}</li>
              <li>状态：<span class="badge" data-testid="household-status">{nameOf(HOUSEHOLD_STATUS_NAMES, v.status)}</span></li>
            </ul>
            <Table rows={v.members} caption="家庭成员" rowKey={(m, i) => `${m.name}-${i}`} columns={[
              { label: '姓名', cell: (m) => m.name },
              { label: '与户主关系', cell: (m) => nameOf(RELATION_NAMES, m.relation) },
              { label: '出生年份', cell: (m) => m.birthYear },
              { label: '身份证号', cell: (m) => <span data-testid="member-id">{m.idNumber}</span> },
            ]} />
          </Section>
          <Section title="状态变化">
            <ul class="timeline" data-testid="status-history">
              <li>{v.registeredOn} 建档立卡（{nameOf(HOUSEHOLD_STATUS_NAMES, 'registered')}）</li>
              {v.history.map((h) => (
                <li key={`${h.date}-${h.recordedAt}`}>
                  {h.date} {nameOf(HOUSEHOLD_STATUS_NAMES, h.status)}
                  {h.documentNo && <>，依据 {h.documentNo}</>}
                  {h.reason && <>，原因：{h.reason}</>}
                  <span class="muted">（记录于 {h.recordedAt.slice(0, 10)}）</span>
                </li>
              ))}
            </ul>
          </Section>
          <Section title={`到户资金（${v.receipts.length} 笔）`}>
            <Table rows={v.receipts} rowKey={(r, i) => `${r.paymentId}-${r.kind}-${i}`} empty="所选日期前没有到户资金" columns={[
              { label: '支付编号', cell: (r) => <a href={href(['payments', r.paymentId])} data-testid="receipt-payment">{r.paymentId}</a> },
              { label: '日期', cell: (r) => <span class="nowrap">{r.effectiveDate}</span> },
              { label: '项目', cell: (r) => <span>{r.projectName ?? r.projectId}<span class="muted">（{nameOf(PROJECT_TYPE_NAMES, r.projectType)}）</span></span> },
              { label: '资金来源', cell: (r) => `${nameOf(SOURCE_NAMES, r.source)} ${r.fiscalYear}年` },
              { label: '金额（元）', num: true, cell: (r) => <span>{r.kind === 'reversed' && <span class="badge sev-red">追回</span>} <Money v={r.amount} /></span> },
              { label: '来源链', cell: (r) => <div class="chain-cell"><ChainList chain={r.chain} interactive /></div> },
            ]} />
            <p class="grand" data-testid="received-total">累计收到：<Money v={v.received} /> 元</p>
          </Section>
          {v.receipts.length > 0 && (
            <Section title="合计">
              <div class="totals">
                <Table rows={v.totals.byYear} caption="按年度" rowKey={(r) => r.year} columns={[
                  { label: '年度', cell: (r) => r.year },
                  { label: '金额（元）', num: true, cell: (r) => <Money v={r.amount} /> },
                ]} />
                <Table rows={v.totals.bySource} caption="按资金来源" rowKey={(r) => r.source} columns={[
                  { label: '资金来源', cell: (r) => nameOf(SOURCE_NAMES, r.source) },
                  { label: '金额（元）', num: true, cell: (r) => <Money v={r.amount} /> },
                ]} />
                <Table rows={v.totals.byProjectType} caption="按项目类型" rowKey={(r) => r.projectType} columns={[
                  { label: '项目类型', cell: (r) => nameOf(PROJECT_TYPE_NAMES, r.projectType) },
                  { label: '金额（元）', num: true, cell: (r) => <Money v={r.amount} /> },
                ]} />
              </div>
              <SourcePie v={v} />
            </Section>
          )}
        </>
      )}
    </div>
  );
}

/** One household a lookup found: the member holding that number, and where. */
function IdentityLookup() {
  const [idNumber, setIdNumber] = useState('');
  const [found, setFound] = useState<IdentityMatch[] | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const n = idNumber.trim().toUpperCase();
    if (!/^\d{17}[\dX]$/.test(n)) return setError(new Error('身份证号应为 18 位：前 17 位为数字，末位为数字或 X'));
    setBusy(true);
    setError(null);
    try {
      // The number travels in the body only, never in an address (logs and history keep addresses).
      const r = await api.post<{ households: IdentityMatch[] }>('/lookups/identity', { idNumber: n });
      setFound(r.households);
    } catch (x) {
      setFound(null);
      setError(x instanceof ApiError && x.field === 'idNumber' ? new Error('身份证号无效：请核对号码（含末位校验码）') : (x as Error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title="按身份证号查找">
      <form class="stack card" onSubmit={submit} aria-label="按身份证号查找" autocomplete="off">
        <label>
          身份证号
          <input name="idNumber" value={idNumber} maxLength={18} autocomplete="off" spellcheck={false}
            onInput={(e) => setIdNumber((e.target as HTMLInputElement).value)} />
        </label>
        <div><button type="submit" class="primary" disabled={busy}>{busy ? '查找中…' : '查找'}</button></div>
        <p class="muted wide">号码只用于本次比对，不保存；只显示您辖区内的农户。</p>
      </form>
      <ErrorBox error={error} />
      {found && (
        <div data-testid="identity-result">
          <Table rows={found} empty="辖区内没有持此身份证号的农户成员" rowKey={(r) => r.householdId} columns={[
            { label: '农户', cell: (r) => <a href={href(['households', r.householdId])}>{r.householdId}</a> },
            { label: '成员', cell: (r) => `${r.member.name}（${nameOf(RELATION_NAMES, r.member.relation)}，${r.member.birthYear}年生）` },
            { label: '身份证号', cell: (r) => r.member.idNumber },
            { label: '村', cell: (r) => r.unitCode },
            { label: '类别', cell: (r) => nameOf(HOUSEHOLD_CATEGORY_NAMES, r.category) },
            { label: '状态', cell: (r) => nameOf(HOUSEHOLD_STATUS_NAMES, r.status) },
            { label: '建档日期', cell: (r) => r.registeredOn },
          ]} />
        </div>
      )}
    </Section>
  );
}

/**
 * 农户: the registered households of the reader's region, filtered by unit, status (under the
 * basis), category and part of the head's name, a page at a time. The filters live in the address,
 * so a list can be bookmarked and returned to.
 */
export function HouseholdListPage({ who }: { who: Principal }) {
  const basis = basisQuery();
  const q = currentRoute().query;
  const filters = { unitCode: q.get('unitCode') ?? '', status: q.get('status') ?? '', category: q.get('category') ?? '', name: q.get('name') ?? '' };
  const offset = Math.max(0, Number(q.get('offset') ?? 0) || 0);
  const [form, setForm] = useState(filters);
  const list = useApi<HouseholdList>('/households', { ...basis, ...filters, limit: PAGE, offset });
  const l = list.data;
  const field = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement | HTMLSelectElement).value });
  const apply = (e: Event) => {
    e.preventDefault();
    setQuery({ unitCode: form.unitCode.trim() || null, status: form.status || null, category: form.category || null, name: form.name.trim() || null, offset: null });
  };
  const clear = () => setQuery({ unitCode: null, status: null, category: null, name: null, offset: null });
  const shownTo = l ? Math.min(l.offset + l.items.length, l.total) : 0;
  return (
    <>
      <h1>农户</h1>
      <p class="sub">建档立卡户{who.role === 'village' ? '（本村；身份证号按规定打码）' : '（您辖区内）'}；状态按所选日期</p>
      <BasisBar basis={l?.basis} />
      <ExportButtons path="/households" query={{ ...basis, ...filters }} what="农户名单（全部筛选结果）" />
      <form class="stack card" onSubmit={apply} aria-label="筛选农户">
        <label>
          单位代码
          <input name="unitCode" value={form.unitCode} inputMode="numeric" placeholder={who.scope} onInput={field('unitCode')} />
        </label>
        <label>
          状态
          <select name="status" value={form.status} onChange={field('status')}>
            <option value="">全部</option>
            {Object.entries(HOUSEHOLD_STATUS_NAMES).map(([k, n]) => <option value={k}>{n}</option>)}
          </select>
        </label>
        <label>
          类别
          <select name="category" value={form.category} onChange={field('category')}>
            <option value="">全部</option>
            {Object.entries(HOUSEHOLD_CATEGORY_NAMES).map(([k, n]) => <option value={k}>{n}</option>)}
          </select>
        </label>
        <label>
          户主姓名（部分）
          <input name="name" value={form.name} onInput={field('name')} />
        </label>
        <div class="row">
          <button type="submit" class="primary">筛选</button>
          <button type="button" onClick={clear}>清除</button>
        </div>
      </form>
      <ErrorBox error={list.error} />
      {list.loading && <Loading what="农户" />}
      {l && (
        <Section title={`共 ${l.total} 户`}>
          <Table rows={l.items} rowKey={(r) => r.householdId} empty="没有符合条件的农户" columns={[
            { label: '户编号', cell: (r) => <a href={href(['households', r.householdId])}>{r.householdId}</a> },
            { label: '户主', cell: (r) => r.head?.name ?? '—' },
            { label: '户主身份证号', cell: (r) => r.head?.idNumber ?? '—' },
            { label: '村', cell: (r) => r.unitCode },
            { label: '类别', cell: (r) => nameOf(HOUSEHOLD_CATEGORY_NAMES, r.category) },
            { label: '状态', cell: (r) => nameOf(HOUSEHOLD_STATUS_NAMES, r.status) },
            { label: '人数', num: true, cell: (r) => r.memberCount },
            { label: '建档日期', cell: (r) => r.registeredOn },
          ]} />
          {l.total > 0 && (
            <div class="row" aria-label="翻页">
              <span class="muted">第 {l.offset + 1}–{shownTo} 户，共 {l.total} 户</span>
              <button type="button" disabled={l.offset === 0} onClick={() => setQuery({ offset: l.offset - PAGE > 0 ? String(l.offset - PAGE) : null })}>上一页</button>
              <button type="button" disabled={l.nextOffset === null} onClick={() => l.nextOffset !== null && setQuery({ offset: String(l.nextOffset) })}>下一页</button>
            </div>
          )}
        </Section>
      )}
      {MAY_LOOK_UP.includes(who.role) && <IdentityLookup />}
      {who.role === 'village' && <p><a href={href(['board', who.scope])}>本村公示栏 →</a></p>}
    </>
  );
}
