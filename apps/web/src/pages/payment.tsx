import type { ComponentChildren } from 'preact';
import { useApi, type Basis } from '../lib/api';
import { BasisBar, basisQuery } from '../components/basis-bar';
import { ExportButtons } from '../components/export-buttons';
import { ErrorBox, Facts, Loading, Money, Section } from '../components/ui';
import {
  CHANNEL_NAMES, INSTALLMENT_NAMES, ISSUER_LEVEL_NAMES, MIGRATED_NAMES, PAYEE_TYPE_NAMES, PAYMENT_STATUS_NAMES, SOURCE_NAMES, instant, nameOf,
} from '../lib/format';
import { href } from '../lib/router';
import type { Principal } from '../lib/session';

type PayeeView = { type: string; id: string; name: string; account: string };
type Step = { status: string; by: string | null; effectiveDate: string; recordedAt: string; comment?: string; reason?: string; channel?: string;
  bankReference?: string; documentNo?: string };
type PaymentView = {
  basis: Basis; paymentId: string; projectId: string; allocationId: string; batchId: string; unitCode: string; status: string; payee: PayeeView;
  amount: string; purpose: string; installment: string; requestedBy: string; effectiveDate: string; channel: string | null; bankReference: string | null;
  replaces: string | null; replacedBy: string | null; migrated: boolean; history: Step[];
};
type Hop = { hop: 'allocation' | 'appropriation'; batchId: string; documentNo: string; issuerLevel: string; recipientUnitCode: string; source: string;
  fiscalYear: number; amount: string; effectiveDate: string; fromAllocationId?: string };
type TraceView = {
  basis: Basis;
  payment: { paymentId: string; status: string; amount: string; payee: PayeeView; projectId: string; effectiveDate: string };
  allocation: { allocationId: string; batchId: string; projectId: string; documentNo: string; amount: string; effectiveDate: string } | null;
  chain: Hop[]; root: Hop | null;
};

/** Roles the api opens batches to: the village sees the chain's 文号 but cannot open a batch. */
const MAY_SEE_BATCHES = ['finance', 'approver', 'inspector', 'auditor'];

const STATUS_STYLE: Record<string, { cls: string; style?: string }> = {
  requested: { cls: 'sev-blue' }, approved: { cls: 'sev-blue' }, rejected: { cls: 'sev-red' }, executed: { cls: '', style: 'color:var(--ok)' },
  failed: { cls: 'sev-red' }, reversed: { cls: 'sev-yellow' },
};

export function StatusBadge({ status }: { status: string }) {
  const s = STATUS_STYLE[status] ?? { cls: '' };
  return <span class={`badge ${s.cls}`} style={s.style} data-status={status}>{nameOf(PAYMENT_STATUS_NAMES, status)}</span>;
}

/** What each step of a payment's life means, in a sentence. */
const STEP_TEXT: Record<string, string> = {
  requested: '报账申请，冻结资金', approved: '审核通过', rejected: '审核驳回，释放冻结资金', executed: '银行已支付', failed: '退票：银行退回，释放冻结资金',
  reversed: '追回 / 红冲：已支付的资金冲回',
};

/** What a payment is still waiting for, as of the basis. */
const PENDING: Record<string, string> = { requested: '等待审核', approved: '已审核，尚未支付' };


function Timeline({ steps, status }: { steps: Step[]; status: string }) {
  return (
    <ul class="timeline" data-testid="payment-timeline">
      {steps.map((s) => (
        <li data-status={s.status}>
          <div class="row">
            <StatusBadge status={s.status} />
            <strong>{STEP_TEXT[s.status] ?? nameOf(PAYMENT_STATUS_NAMES, s.status)}</strong>
          </div>
          <div>业务日期 <span data-testid="step-date">{s.effectiveDate}</span><span class="muted">；记录于 {instant(s.recordedAt)}（北京时间）</span></div>
          <div>操作人：{s.by ?? '—'}</div>
          {s.comment ? <div>审核意见：{s.comment}</div> : null}
          {s.reason ? <div data-testid="step-reason">原因：{s.reason}</div> : null}
          {s.channel ? <div>渠道：{nameOf(CHANNEL_NAMES, s.channel)}{s.bankReference ? `；银行流水号 ${s.bankReference}` : ''}</div> : null}
          {s.documentNo ? <div>文号：{s.documentNo}</div> : null}
        </li>
      ))}
      {PENDING[status] && (
        <li data-status="pending" class="muted">
          <div><strong>{PENDING[status]}</strong></div>
        </li>
      )}
    </ul>
  );
}

function TraceTable({ t, canOpenBatches }: { t: TraceView; canOpenBatches: boolean }) {
  const batchLink = (id: string) => (canOpenBatches ? <a href={href(['flow', id])}>{id}</a> : id);
  type Row = { step: string; documentNo: string; what: ComponentChildren; level: string; unit: string; source: string; year: string; amount: string; date: string; kind: string };
  const rows: Row[] = [
    { kind: 'payment', step: '支付', documentNo: '—', what: <>{t.payment.paymentId} → {t.payment.payee.name}</>, level: '—', unit: '—', source: '—', year: '—',
      amount: t.payment.amount, date: t.payment.effectiveDate },
  ];
  if (t.allocation) {
    rows.push({ kind: 'allocation', step: '安排项目（资金分配）', documentNo: t.allocation.documentNo,
      what: <>{t.allocation.allocationId}：{batchLink(t.allocation.batchId)} → <a href={href(['projects', t.allocation.projectId])}>{t.allocation.projectId}</a></>,
      level: '—', unit: '—', source: '—', year: '—', amount: t.allocation.amount, date: t.allocation.effectiveDate });
  }
  for (const h of t.chain) {
    rows.push({ kind: h.hop, step: h.hop === 'appropriation' ? '源头拨款（下达）' : '下拨批次', documentNo: h.documentNo,
      what: <>批次 {batchLink(h.batchId)}</>, level: nameOf(ISSUER_LEVEL_NAMES, h.issuerLevel), unit: h.recipientUnitCode, source: nameOf(SOURCE_NAMES, h.source),
      year: String(h.fiscalYear), amount: h.amount, date: h.effectiveDate });
  }
  return (
    <div class="table-wrap">
      <table class="stackable" data-testid="trace-table">
        <caption>从支付上溯到源头文号（自下而上）</caption>
        <thead>
          <tr>{['环节', '文号', '对象', '发文级次', '收款单位', '资金来源', '年度', '金额（元）', '日期'].map((h) => <th scope="col" class={h.startsWith('金额') ? 'num' : undefined}>{h}</th>)}</tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr data-hop={r.kind}>
              <td data-label="环节">{r.step}</td>
              <td data-label="文号" data-testid="hop-document" style="white-space:nowrap">{r.documentNo}</td>
              <td data-label="对象">{r.what}</td>
              <td data-label="发文级次">{r.level}</td>
              <td data-label="收款单位">{r.unit}</td>
              <td data-label="资金来源">{r.source}</td>
              <td data-label="年度">{r.year}</td>
              <td data-label="金额（元）" class="num"><Money v={r.amount} /></td>
              <td data-label="日期" style="white-space:nowrap">{r.date}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * 支付: one payment's request, its life step by step (both dates of every step), and where its
 * money came from, up to the root 文号. The payee's account is as the api gives it: masked for the
 * village cadre.
 */
export function PaymentPage({ paymentId, who }: { paymentId: string; who: Principal }) {
  const basis = basisQuery();
  const payment = useApi<PaymentView>(`/payments/${encodeURIComponent(paymentId)}`, basis);
  const trace = useApi<TraceView>(`/payments/${encodeURIComponent(paymentId)}/trace`, basis);
  const p = payment.data;
  const t = trace.data;
  const canOpenBatches = MAY_SEE_BATCHES.includes(who.role);
  return (
    <>
      <h1>支付 {paymentId}{p && <> <StatusBadge status={p.status} /></>}</h1>
      {p && <p class="sub">{p.payee.name} · {p.purpose} · <Money v={p.amount} /> 元</p>}
      {p?.migrated && <p class="warn" role="note" data-testid="migrated">{nameOf(MIGRATED_NAMES, true)}：此笔按旧系统的记录列示，其冻结与拨付未经本账，不计入任何已支付或结余金额。</p>}
      <BasisBar basis={p?.basis ?? t?.basis} />
      <ExportButtons path={`/payments/${encodeURIComponent(paymentId)}`} query={basis} what="支付" />
      <ExportButtons path={`/payments/${encodeURIComponent(paymentId)}/trace`} query={basis} what="追溯链" />
      <ErrorBox error={payment.error} />
      {payment.loading && <Loading what="支付" />}
      {p && (
        <>
          <Facts items={[
            ['状态', <span data-testid="payment-status"><StatusBadge status={p.status} /></span>],
            ['收款人', <span data-testid="payee-name">{p.payee.name}</span>],
            ['收款人类型', nameOf(PAYEE_TYPE_NAMES, p.payee.type)],
            ['收款人编号', p.payee.type === 'household' ? <a href={href(['households', p.payee.id])}>{p.payee.id}</a> : p.payee.id],
            ['账号', <span data-testid="payee-account" style="font-variant-numeric:tabular-nums">{p.payee.account}</span>],
            ['金额（元）', <span data-testid="payment-amount"><Money v={p.amount} /></span>],
            ['用途', p.purpose],
            ['款项', nameOf(INSTALLMENT_NAMES, p.installment)],
            ['申请日期', p.effectiveDate],
            ['申请人', p.requestedBy],
            ['支付渠道', p.channel ? nameOf(CHANNEL_NAMES, p.channel) : '—'],
            ['银行流水号', p.bankReference ?? '—'],
            ['项目', <a href={href(['projects', p.projectId])}>{p.projectId}</a>],
            ['资金分配', p.allocationId],
            ['资金批次', canOpenBatches ? <a href={href(['flow', p.batchId])}>{p.batchId}</a> : p.batchId],
            ['所属单位', p.unitCode],
            ['重新支付自', p.replaces ? <a href={href(['payments', p.replaces])} data-testid="replaces">{p.replaces}（原支付）</a> : null],
            ['已由其重新支付', p.replacedBy ? <a href={href(['payments', p.replacedBy])} data-testid="replaced-by">{p.replacedBy}</a> : null],
          ]} />
          <Section title="办理过程">
            <Timeline steps={p.history} status={p.status} />
          </Section>
        </>
      )}
      <ErrorBox error={trace.error} />
      {trace.loading && !payment.loading && <Loading what="资金来源" />}
      {t && (
        <Section title="资金来源追溯">
          {t.root && (
            <p>
              源头文号：<strong data-testid="root-document">{t.root.documentNo}</strong>（{nameOf(ISSUER_LEVEL_NAMES, t.root.issuerLevel)}，{nameOf(SOURCE_NAMES, t.root.source)}，{t.root.fiscalYear} 年度，
              {canOpenBatches ? <a href={href(['flow', t.root.batchId])}>查看源头批次的资金流向</a> : `批次 ${t.root.batchId}`}）
            </p>
          )}
          <TraceTable t={t} canOpenBatches={canOpenBatches} />
        </Section>
      )}
    </>
  );
}
