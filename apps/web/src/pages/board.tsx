import { useState } from 'preact/hooks';
import { useApi, type Basis } from '../lib/api';
import { BasisBar, basisQuery, describeBasis } from '../components/basis-bar';
import { ExportButtons } from '../components/export-buttons';
import { ErrorBox, Loading, Money, Section, Table } from '../components/ui';
import { FIGURES, instant, nameOf, PAYEE_TYPE_NAMES, PROJECT_TYPE_NAMES, SOURCE_NAMES, sumYuan, yuan } from '../lib/format';
import { href } from '../lib/router';
import { session } from '../lib/session';

type Figures = { received: string; returned: string; allocated: string; committed: string; returnedFromProjects: string; held: string; paid: string; balance: string };
type Payment = { paymentId: string; amount: string; effectiveDate: string; paidOn: string | null; payee: { type: string; id: string; name: string; account: string | null } };
type Project = { projectId: string; name: string; type: string; unitCode: string; implementer: string; budget: string; committed: string; returned: string; held: string;
  paid: string; balance: string; fundingBySource: { source: string; committed: string; returned: string; held: string; paid: string; balance: string }[];
  payments: Payment[] };
type SealedLog = { body: { no: number; count: number; chainHead: string; sealedAt: string; keyId?: string; alg?: string }; signature: string };
type Disclosure = { basis: Basis; code: string; name: string; level: string;
  totals: Figures & { householdsReached: number; bySourceAndYear: (Figures & { source: string; fiscalYear: number })[] };
  projects: Project[]; households: { householdId: string; head: string | null; received: string }[]; sealedLog: SealedLog | null };

/** The figures a notice board shows: what came in, what went to projects, what was paid and what is left. */
const BOARD_FIGURES = ['received', 'committed', 'paid', 'balance'] as const;

const todayInBeijing = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
/** A long hex value in the short form a reader can compare by eye: its head and its tail. */
const short = (hex: string) => (hex.length > 20 ? `${hex.slice(0, 12)}…${hex.slice(-8)}` : hex);
/** 2016-09-20 → 2016年9月20日, as a printed notice writes dates. */
const dateZh = (d: string) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d);
  return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : d;
};

/**
 * The printed notice: A4, large type, ruled tables, black on white, nothing interactive. Kept with
 * the page (app.css is shared) and scoped under `.board`.
 */
const BOARD_CSS = `
.board .project h3 { margin-top: 4px; }
.board .seal code { word-break: break-all; }
.board .notice-lines p { margin: 4px 0; }
.board .nowrap { white-space: nowrap; }
@media (max-width: 600px) { .board table.stackable td::before { flex-shrink: 0; } }
.board .blank { display: inline-block; min-width: 9em; border-bottom: 1px solid currentColor; }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  .board { font-size: 14pt; color: #000; }
  .board h1 { font-size: 26pt; text-align: center; margin: 0 0 6pt; }
  .board h2 { font-size: 17pt; }
  .board h3 { font-size: 15pt; }
  .board table { font-size: 12.5pt; color: #000; }
  .board th { background: #fff; }
  .board th, .board td { border: 1px solid #000; }
  .board .table-wrap { overflow: visible; border: 0; }
  .board tr, .board .figure { break-inside: avoid; }
  .board .project { break-inside: auto; border-color: #000; }
  .board .figure { border-color: #000; }
  .board .figure .label { color: #000; }
  .board .muted { color: #333; }
  .board .notice-lines { font-size: 14pt; border-top: 2px solid #000; border-bottom: 2px solid #000; padding: 4pt 0; margin-bottom: 8pt; }
}`;

/** One project as posted: its money by source, and who was paid how much and when. */
function ProjectCard({ p, linked }: { p: Project; linked: boolean }) {
  return (
    <div class="card project" data-project={p.projectId}>
      <h3>{linked ? <a href={href(['projects', p.projectId])}>{p.name}</a> : p.name}<span class="muted">（{nameOf(PROJECT_TYPE_NAMES, p.type)}）</span></h3>
      <p class="muted">实施单位：{p.implementer}　项目编号：{p.projectId}</p>
      <Table rows={[p]} rowKey={(x) => x.projectId} columns={[
        { label: '预算', num: true, cell: (x) => <Money v={x.budget} /> },
        { label: '安排资金', num: true, cell: (x) => <Money v={x.committed} /> },
        // Every figure of the identity (committed = returned + held + paid + balance), so the row adds up for whoever checks it.
        { label: '退回', num: true, cell: (x) => <Money v={x.returned} /> },
        { label: FIGURES.held.zh, num: true, cell: (x) => <Money v={x.held} /> },
        { label: '已支付', num: true, cell: (x) => <span data-testid="project-paid"><Money v={x.paid} /></span> },
        { label: '结余', num: true, cell: (x) => <Money v={x.balance} /> },
      ]} />
      <Table rows={p.fundingBySource} caption="资金来源" rowKey={(r) => r.source} columns={[
        { label: '来源', cell: (r) => nameOf(SOURCE_NAMES, r.source) },
        { label: '安排', num: true, cell: (r) => <Money v={r.committed} /> },
        { label: '退回', num: true, cell: (r) => <Money v={r.returned} /> },
        { label: FIGURES.held.zh, num: true, cell: (r) => <Money v={r.held} /> },
        { label: '已支付', num: true, cell: (r) => <Money v={r.paid} /> },
        { label: '结余', num: true, cell: (r) => <Money v={r.balance} /> },
      ]} />
      <Table rows={p.payments} caption={`已支付明细（${p.payments.length} 笔）`} empty="尚无已支付款项" rowKey={(r) => r.paymentId} columns={[
        { label: '支付日期', cell: (r) => <span class="nowrap">{r.paidOn ?? r.effectiveDate}</span> },
        { label: '收款人', cell: (r) => <span>{r.payee.name}<span class="muted">（{nameOf(PAYEE_TYPE_NAMES, r.payee.type)}）</span></span> },
        { label: '账号', cell: (r) => r.payee.account ?? '—' },
        { label: '金额（元）', num: true, cell: (r) => <Money v={r.amount} /> },
        { label: '支付编号', cell: (r) => (linked ? <a href={href(['payments', r.paymentId])}>{r.paymentId}</a> : r.paymentId) },
      ]} />
    </div>
  );
}

/** The log checkpoint the notice carries, or the plain statement that this deployment does not seal its log. */
function SealStatement({ seal }: { seal: SealedLog | null }) {
  if (!seal) {
    return <p class="seal" data-testid="sealed-log">本系统此部署未启用审计日志封存：本公示没有对应的签名检查点，打印件不能据以核验日志。</p>;
  }
  const b = seal.body;
  return (
    <div class="seal" data-testid="sealed-log">
      <p>本公示打印时，资金台账的审计日志已封存至第 <strong>{b.no}</strong> 号签名检查点，共 <strong>{b.count}</strong> 条记录，封存时间 {instant(b.sealedAt)}（北京时间）。
        本公示所列内容以该检查点时的日志为准，此后任何改动都会与下列链头和签名不符。</p>
      <p>链头：<code>{short(b.chainHead)}</code>　签名：<code>{short(seal.signature)}</code>{b.keyId ? <>　密钥：<code>{short(b.keyId)}</code></> : null}</p>
    </div>
  );
}

/**
 * 村级公示栏, public: what the village received by source and year, its projects with their funding
 * and executed payments (payee names, accounts masked by the api for whoever may not see them), and what
 * each registered household received. Printed, it is the notice posted in the village, fixed to the
 * sealed log's checkpoint of the day.
 */
export function BoardPage({ unitCode }: { unitCode: string }) {
  const basis = basisQuery();
  const d = useApi<Disclosure>(`/disclosure/units/${encodeURIComponent(unitCode)}`, basis);
  const x = d.data;
  const linked = session.principal() !== null;
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [phone, setPhone] = useState('');
  const asOfDate = x?.basis.asOf ?? todayInBeijing();
  return (
    <div class="board">
      <style>{BOARD_CSS}</style>
      <h1>{x ? `${x.name}扶贫资金公示` : '村级公示'}</h1>
      <p class="sub no-print">公开信息，无需登录；身份证号和银行账号按规定打码。金额单位：元。</p>
      <BasisBar basis={x?.basis} />
      <ExportButtons path={`/disclosure/units/${encodeURIComponent(unitCode)}`} query={basis} what="公示" />
      <ErrorBox error={d.error} />
      {d.loading && <Loading what="公示" />}
      {x && (
        <>
          <div class="print-only notice-lines" data-testid="print-block">
            <p>数据截至：{dateZh(asOfDate)}（{describeBasis(x.basis).replace(/^显示依据：/, '')}）　金额单位：元</p>
            <p>公示期：自 {from ? dateZh(from) : <span class="blank" />} 至 {to ? dateZh(to) : <span class="blank" />}</p>
            <p>监督举报电话：{phone || <span class="blank" />}</p>
          </div>
          <form class="stack card" aria-label="打印设置" onSubmit={(e) => (e.preventDefault(), window.print())}>
            <label>
              公示期开始
              <input type="date" name="from" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
            </label>
            <label>
              公示期结束
              <input type="date" name="to" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
            </label>
            <label>
              监督举报电话
              <input type="tel" name="phone" value={phone} onInput={(e) => setPhone((e.target as HTMLInputElement).value)} />
            </label>
            <div><button type="submit" class="primary">打印公示</button></div>
            <p class="muted wide">留空的项目在打印件上留出横线，张贴前手写填入。</p>
          </form>
          <Section title="资金总体情况">
            <div class="figures">
              {BOARD_FIGURES.map((n) => (
                <div class="figure" key={n} title={FIGURES[n].means} data-figure={n}>
                  <div class="label">{FIGURES[n].zh}（元）</div>
                  <div class="value">{yuan(x.totals[n])}</div>
                </div>
              ))}
              <div class="figure" data-figure="householdsReached"><div class="label">受益建档立卡户（户）</div><div class="value">{x.totals.householdsReached}</div></div>
            </div>
            <Table rows={x.totals.bySourceAndYear} caption="按资金来源和年度" rowKey={(r) => `${r.source}-${r.fiscalYear}`} columns={[
              { label: '资金来源', cell: (r) => nameOf(SOURCE_NAMES, r.source) },
              { label: '年度', cell: (r) => r.fiscalYear },
              { label: '收到下达', num: true, cell: (r) => <Money v={r.received} /> },
              { label: '安排项目', num: true, cell: (r) => <Money v={r.committed} /> },
              { label: '已支付', num: true, cell: (r) => <Money v={r.paid} /> },
              { label: '结余', num: true, cell: (r) => <Money v={r.balance} /> },
            ]} />
          </Section>
          <Section title={`项目（${x.projects.length} 个）`}>
            {x.projects.length === 0 && <p class="muted">暂无项目</p>}
            {x.projects.map((p) => <ProjectCard key={p.projectId} p={p} linked={linked} />)}
          </Section>
          <Section title={`到户资金（${x.households.length} 户）`}>
            <Table rows={x.households} rowKey={(h) => h.householdId} empty="本村暂无建档立卡户" columns={[
              { label: '户主', cell: (h) => h.head ?? '—' },
              { label: '户编号', cell: (h) => h.householdId },
              { label: '累计收到（元）', num: true, cell: (h) => <Money v={h.received} /> },
            ]} />
            <p data-testid="households-total"><strong>到户资金合计：<Money v={sumYuan(x.households.map((h) => h.received))} /> 元</strong></p>
          </Section>
          <Section title="审计日志封存">
            <SealStatement seal={x.sealedLog} />
          </Section>
        </>
      )}
    </div>
  );
}
