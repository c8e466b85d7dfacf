import { useState } from 'preact/hooks';
import { api, ApiError, untilSeen, useApi, type Basis } from '../lib/api';
import { fieldName } from '../lib/error-text';
import { BasisBar, basisQuery } from '../components/basis-bar';
import { ExportButtons } from '../components/export-buttons';
import { ErrorBox, Loading, Money, OffsetPager } from '../components/ui';
import { instant, INSTALLMENT_NAMES, nameOf, PAYEE_TYPE_NAMES, yuan } from '../lib/format';
import { href } from '../lib/router';
import type { Principal } from '../lib/session';

type QueueItem = {
  paymentId: string; projectId: string; unitCode: string; status: string; amount: string; installment: string; purpose: string; effectiveDate: string;
  recordedAt: string; requestedBy: string; payee: { type: string; id: string; name: string; account: string };
};
type QueueAnswer = { basis: Basis; total: number; limit: number; offset: number; nextOffset: number | null; items: QueueItem[] };

const todayInBeijing = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

/** One request and the approver's decision on it: agree, or send it back with a reason (a rejection releases the held money). */
function Decision({ x, projectName, onDecided }: { x: QueueItem; projectName?: string; onDecided: (text: string) => void }) {
  const today = todayInBeijing();
  const [comment, setComment] = useState('');
  const [date, setDate] = useState(today < x.effectiveDate ? x.effectiveDate : today);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const decide = async (approved: boolean) => {
    // Checked here as the api would refuse them (the same code, so the same sentence naming the field).
    if (!approved && !comment.trim()) return setError(new Error(`驳回须填写「${fieldName('comment')}」，说明驳回的理由`));
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return setError(new ApiError(400, 'invalid_date', 'checked in the page', 'effectiveDate'));
    if (date < x.effectiveDate) return setError(new ApiError(422, 'date_before_request', 'checked in the page', 'effectiveDate'));
    setError(null);
    setBusy(true);
    try {
      await api.post(`/payments/${encodeURIComponent(x.paymentId)}/approval`, { approved, ...(comment.trim() ? { comment: comment.trim() } : {}), effectiveDate: date });
      onDecided(approved
        ? `已同意支付 ${x.paymentId}：${yuan(x.amount)} 元付给 ${x.payee.name}，等待财政局拨付。`
        : `已驳回 ${x.paymentId}，冻结的 ${yuan(x.amount)} 元已释放回资金安排。`);
    } catch (e) {
      setError(e instanceof Error ? e : new ApiError(0, 'client', String(e)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <article class="card" data-payment={x.paymentId} aria-label={`待审核支付 ${x.paymentId}`}>
      <h2><a href={href(['payments', x.paymentId])}>{x.paymentId}</a> · <Money v={x.amount} /> 元</h2>
      <div class="figures">
        <div class="figure"><div class="label">项目</div><div class="value fact"><a href={href(['projects', x.projectId])}>{projectName ?? x.projectId}</a></div></div>
        <div class="figure"><div class="label">收款人</div><div class="value fact">{nameOf(PAYEE_TYPE_NAMES, x.payee.type)} · {x.payee.name}</div><div class="muted" style="word-break:break-all">{x.payee.id} · 账号 {x.payee.account}</div></div>
        <div class="figure"><div class="label">金额（元）</div><div class="value" data-testid="amount">{yuan(x.amount)}</div><div class="muted">{nameOf(INSTALLMENT_NAMES, x.installment)}</div></div>
        <div class="figure"><div class="label">报账日期</div><div class="value fact">{x.effectiveDate}</div><div class="muted">记录于 {instant(x.recordedAt)}</div></div>
        <div class="figure"><div class="label">申请人</div><div class="value fact" data-testid="requester">{x.requestedBy}</div></div>
      </div>
      <p>用途：{x.purpose}</p>
      <form class="stack" aria-label="审核" onSubmit={(e) => (e.preventDefault(), void decide(true))} noValidate>
        <label class="wide">
          意见（驳回时必填）
          <textarea name="comment" rows={2} style="width:100%" value={comment} onInput={(e) => setComment((e.target as HTMLTextAreaElement).value)} />
        </label>
        <label>
          业务日期（审核日期）
          <input type="date" name="effectiveDate" value={date} min={x.effectiveDate} max={today} onInput={(e) => setDate((e.target as HTMLInputElement).value)} />
        </label>
        <div class="row">
          <button type="submit" class="primary" name="approve" disabled={busy}>同意</button>
          <button type="button" name="reject" disabled={busy} onClick={() => void decide(false)}>驳回</button>
        </div>
        <div class="wide"><ErrorBox error={error} /></div>
      </form>
    </article>
  );
}

/**
 * 待审核: payment requests waiting for this approver's decision, none of them their own (a requester
 * never decides their own request, R-30). A decided request leaves the queue.
 */
export function QueuePage({ who }: { who: Principal }) {
  // Only approvers decide payments (POST /payments/{id}/approval): anyone else has no queue.
  if (who.role !== 'approver') return <><h1>待审核</h1><p class="error" role="alert">您的角色无权审核报账：待审核队列仅供审核人员使用。</p></>;
  return <ApproverQueue />;
}

function ApproverQueue() {
  const basis = basisQuery();
  const offset = Number(new URLSearchParams(location.hash.split('?')[1] ?? '').get('offset') ?? '0') || 0;
  const query = { ...basis, queue: 'mine', limit: 50, offset };
  const queue = useApi<QueueAnswer>('/payments', query);
  // Project names for the rows: one page of the region's projects (a row whose project is not on it shows its id).
  const projects = useApi<{ items: { projectId: string; name: string }[] }>('/projects', { ...basis, limit: 500 });
  const names = new Map((projects.data?.items ?? []).map((p) => [p.projectId, p.name]));
  const [done, setDone] = useState<string | null>(null);
  // Decided here: off the list at once, while the queue's view catches up with the decision.
  const [decided, setDecided] = useState<string[]>([]);
  const onDecided = async (id: string, text: string) => {
    setDone(text);
    setDecided((xs) => [...xs, id]);
    await untilSeen<QueueAnswer>('/payments', query, (q) => !q.items.some((i) => i.paymentId === id));
    queue.reload();
  };
  const d = queue.data;
  const items = d ? d.items.filter((x) => !decided.includes(x.paymentId)) : [];
  return (
    <>
      <h1>待审核</h1>
      <p class="sub">报账申请由申请人以外的人审核：同意后由财政局拨付；驳回释放冻结金额。</p>
      <BasisBar basis={d?.basis} />
      <ExportButtons path="/payments" query={{ ...basis, queue: 'mine' }} what="待审核（全部）" />
      {done && <p class="ok" role="status" data-testid="decided">{done}</p>}
      <ErrorBox error={queue.error} />
      {queue.loading && !d && <Loading what="待审核支付" />}
      {d && (
        <>
          <p data-testid="queue-total">{d.total === 0 ? '没有等待您审核的支付。' : `共 ${d.total} 笔等待您审核${d.total > d.items.length ? `，显示第 ${d.offset + 1}–${d.offset + d.items.length} 笔` : ''}。`}</p>
          {items.map((x) => (
            <Decision key={x.paymentId} x={x} projectName={names.get(x.projectId)} onDecided={(t) => void onDecided(x.paymentId, t)} />
          ))}
          <OffsetPager page={d} />
        </>
      )}
    </>
  );
}
