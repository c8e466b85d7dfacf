import { createContext, type ComponentChildren, type JSX } from 'preact';
import { useContext, useState } from 'preact/hooks';
import { api, ApiError, untilSeen, useApi, type Basis } from '../lib/api';
import { fieldName } from '../lib/error-text';
import { BasisBar, basisQuery } from '../components/basis-bar';
import { ExportButtons } from '../components/export-buttons';
import { ErrorBox, Figures, Loading, Money, OffsetPager, Section, Table, useSubmit } from '../components/ui';
import {
  CHANNEL_NAMES, fenFromFormatted, formatFen, instant, INSTALLMENT_NAMES, MIGRATED_NAMES, MILESTONE_NAMES, nameOf, parseYuan, PAYEE_TYPE_NAMES, PAYMENT_STATUS_NAMES,
  PROJECT_FIGURES, PROJECT_TYPE_NAMES, SOURCE_NAMES, yuan,
} from '../lib/format';
import { currentRoute, href, setQuery } from '../lib/router';
import type { Principal } from '../lib/session';
// Types only: the domain's rule module imports the project decider (and immutable), which the
// browser does not load; the rules it states are mirrored below for display and the api decides.
import type { ProjectType } from '../../../../libs/domain/src/project/project';
import { DEFAULT_PAYMENT_RULES, paymentRuleOn, publicityMinDaysOf, spendingKindOf, type PaymentRuleSet } from '../../../../libs/domain/src/project/spending-kind';

type Milestone = {
  milestoneId: string; kind: string; date: string; percentComplete: number | null; result: 'passed' | 'failed' | null; publicUntil: string | null;
  documentNo: string | null; note: string | null; recordedAt: string;
};
type Moves = { committed: string; returned: string; held: string; paid: string; balance: string };
type FundingLine = Moves & { allocationId: string; batchId: string; rootBatchId: string; source: string; fiscalYear: number };
type Payee = { type: string; id: string; name: string; account: string };
type ProjectPayment = { paymentId: string; status: string; amount: string; installment: string; payee: Payee; effectiveDate: string; migrated: boolean };
type ProjectView = Moves & {
  basis: Basis; projectId: string; name: string; type: string; unitCode: string; implementer: string; budget: string; plannedStart: string; plannedEnd: string;
  stage: string; percentComplete: number; acceptance: 'passed' | 'failed' | null; milestones: Milestone[]; funding: FundingLine[];
  fundingBySource: (Moves & { source: string })[];
  /** A page of the payments (a programme has tens of thousands): how many in all, where this page starts, the next page's start. */
  paymentCount: number; paymentsOffset: number; paymentsNextOffset: number | null; payments: ProjectPayment[];
  /** Open advance claims over every payment, not only the page's: what the advance cap weighs. */
  advancesClaimed: string;
};
type ProjectRow = { projectId: string; name: string; type: string; unitCode: string; implementer: string; budget: string; plannedStart: string; plannedEnd: string; stage: string };

/**
 * The dated payment thresholds the deciders apply (GET /rule-sets/payments: the county's PAYMENT_RULES),
 * the domain's defaults until they arrive. The page only explains; the api's answer is the decision.
 */
const PaymentRules = createContext<readonly PaymentRuleSet[]>(DEFAULT_PAYMENT_RULES);
const rulesOn = (rules: readonly PaymentRuleSet[], on: string): PaymentRuleSet => paymentRuleOn(rules, on) ?? DEFAULT_PAYMENT_RULES[0];
const isBenefit = (type: string) => spendingKindOf(type as ProjectType) === 'benefit';
/** The api's page of a project's payments (GET /projects/{id}: paymentsLimit's default). */
const PAYMENTS_PAGE = 500;
const RESULT_NAMES: Record<string, string> = { passed: '合格', failed: '不合格' };
const ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const ACCOUNT_PATTERN = /^[0-9A-Za-z-]{4,40}$/;

const todayInBeijing = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
const minFen = (...xs: bigint[]) => xs.reduce((a, b) => (b < a ? b : a));
const fen = (y: string) => fenFromFormatted(y);

type Gate = { label: string; met: boolean; detail: string };
type InstallmentGates = { installment: string; gates: Gate[]; maxFen: bigint };

/**
 * What a payment of each installment needs on `on`, from the project as the page shows it (its
 * milestones dated by then, its claims and funding lines): the checks of checkPaymentAgainstProject
 * (libs/domain/src/project/payment-rules.ts) and of the batch's hold (an allocation pays at most
 * its balance), in the same order. A household payee's registration is checked by the api alone.
 */
function gatesOf(p: ProjectView, on: string, rules: PaymentRuleSet): { benefit: boolean; on: string; common: Gate[]; byInstallment: InstallmentGates[] } {
  const ms = p.milestones.filter((m) => m.date <= on);
  const last = (kind: string) => ms.filter((m) => m.kind === kind).pop();
  const approved = last('approved');
  const started = last('started');
  const lastPercent = Math.max(0, ...ms.map((m) => (m.kind === 'completed' ? 100 : m.kind === 'progress' ? m.percentComplete ?? 0 : 0)));
  const acceptance = last('accepted')?.result ?? null;
  const budget = fen(p.budget);
  const claimed = fen(p.held) + fen(p.paid);
  // The api sums them over every payment (the page may hold only some), leaving out migrated ones as the deciders do.
  const advances = fen(p.advancesClaimed);
  const budgetRoom = budget - claimed;
  const lineRoom = p.funding.reduce((m, l) => (fen(l.balance) > m ? fen(l.balance) : m), 0n);
  const common: Gate[] = [
    { label: '已立项', met: !!approved, detail: approved ? `${approved.date} 立项${approved.documentNo ? `（${approved.documentNo}）` : ''}；支付日期不得早于立项` : '尚未立项：立项前不能申请任何支付' },
    { label: '不超过预算', met: budgetRoom > 0n, detail: `预算 ${yuan(p.budget)} 元，已申请或已支付 ${yuan(formatFen(claimed))} 元，尚可申请 ${yuan(formatFen(budgetRoom))} 元` },
    { label: '资金安排有结余', met: lineRoom > 0n, detail: `一笔支付只从一条资金安排中支出，结余最多的一条为 ${yuan(formatFen(lineRoom))} 元；支付日期不得早于该安排的日期，资金批次已关闭或撤销的不能再支付` },
  ];
  const room = (extra: bigint | null) => {
    const r = minFen(budgetRoom, lineRoom, ...(extra === null ? [] : [extra]));
    return r > 0n ? r : 0n;
  };
  const withCommon = (installment: string, gates: Gate[], extra: bigint | null): InstallmentGates => {
    const all = [...common, ...gates];
    return { installment, gates, maxFen: all.every((g) => g.met) ? room(extra) : 0n };
  };
  if (isBenefit(p.type)) {
    const minDays = publicityMinDaysOf(rules);
    const notices = ms.filter((m) => m.kind === 'publicized' && m.publicUntil !== null);
    const ended = notices.filter((n) => n.publicUntil! < on);
    const fullLength = ended.filter((n) => daysBetween(n.date, n.publicUntil!) + 1 >= minDays);
    const n = fullLength[fullLength.length - 1] ?? ended[ended.length - 1];
    return {
      benefit: true, on, common,
      byInstallment: [withCommon('single', [
        { label: '公示期满', met: ended.length > 0, detail: ended.length ? `公示 ${n.date} 至 ${n.publicUntil}，已于支付日前结束` : notices.length ? `公示至 ${notices[notices.length - 1].publicUntil}，尚未结束：公示结束后才能发放` : '尚未公示受益名单：公示结束后才能发放' },
        { label: `公示不少于 ${minDays} 天`, met: fullLength.length > 0, detail: fullLength.length ? `公示 ${daysBetween(n.date, n.publicUntil!) + 1} 天` : `没有已结束且满 ${minDays} 天的公示` },
        { label: '收款人为在册农户、一次性发放', met: true, detail: '惠民项目只向本项目区域内、支付日在册（未剔除）的建档立卡户一次性发放；提交时由系统核对农户档案' },
      ], null)],
    };
  }
  const cap = (budget * BigInt(rules.advanceMaxPercent)) / 100n;
  const earned = (budget * BigInt(lastPercent)) / 100n;
  const accepted = { label: '验收合格', met: acceptance === 'passed', detail: acceptance === 'passed' ? `${last('accepted')!.date} 验收合格` : acceptance === 'failed' ? '最近一次验收不合格' : '尚未验收' };
  return {
    benefit: false, on, common,
    byInstallment: [
      withCommon('advance', [
        { label: '尚未开工', met: !started, detail: started ? `已于 ${started.date} 开工：开工后不再支付预付款` : '预付款只在开工前支付' },
        { label: `预付累计不超过预算的 ${rules.advanceMaxPercent}%`, met: advances < cap, detail: `上限 ${yuan(formatFen(cap))} 元，已预付（含申请中）${yuan(formatFen(advances))} 元` },
      ], cap - advances),
      withCommon('progress', [
        { label: '已开工', met: !!started, detail: started ? `${started.date} 开工` : '进度款需在开工之后' },
        { label: '累计支付不超过完成进度', met: claimed < earned, detail: `已报完成 ${lastPercent}%，对应 ${yuan(formatFen(earned))} 元；已申请或已支付 ${yuan(formatFen(claimed))} 元` },
      ], earned - claimed),
      withCommon('final', [accepted], null),
    ],
  };
}

function Gates({ p, on }: { p: ProjectView; on: string }) {
  const rules = rulesOn(useContext(PaymentRules), on);
  const g = gatesOf(p, on, rules);
  const mark = (met: boolean) => <span class={met ? 'badge' : 'badge sev-red'} style={met ? 'color: var(--ok)' : undefined}>{met ? '✔ 已满足' : '✘ 未满足'}</span>;
  return (
    <>
      <p class="muted">按 {on} 的项目状况判断（{g.benefit ? '惠民项目：向农户发放' : '工程项目：按预付、进度、尾款支付'}）；
        预付比例与公示天数按 {rules.effectiveFrom} 起施行的支付规则（预付不超过预算 {rules.advanceMaxPercent}%，公示不少于 {publicityMinDaysOf(rules)} 天），提交时以系统校验为准。</p>
      <ul class="gates" data-testid="gates-common" style="padding-left:1.1em">
        {g.common.map((x) => <li data-met={String(x.met)}>{mark(x.met)} <strong>{x.label}</strong>：{x.detail}</li>)}
      </ul>
      {/* Wider cards than the figures row: each carries its conditions as sentences. */}
      <div style="display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:8px;margin:8px 0">
        {g.byInstallment.map((i) => (
          <div class="figure" data-installment={i.installment} data-max={formatFen(i.maxFen)}>
            <div class="label">{nameOf(INSTALLMENT_NAMES, i.installment)}{i.installment === 'final' ? '（一次性同）' : ''}：本笔最多可申请（元）</div>
            <div class="value">{i.maxFen > 0n ? yuan(formatFen(i.maxFen)) : '目前不能申请'}</div>
            <ul class="gates" style="padding-left:1.1em;margin:6px 0 0">
              {i.gates.map((x) => <li data-met={String(x.met)}>{mark(x.met)} {x.label}：{x.detail}</li>)}
            </ul>
          </div>
        ))}
      </div>
    </>
  );
}

// ---- small form helpers: every control labelled, values as strings ----

type Setter = (name: string, value: string) => void;
function Input({ label, name, value, set, type = 'text', required, wide, hint, ...rest }: {
  label: string; name: string; value: string; set: Setter; type?: 'text' | 'date' | 'number'; required?: boolean; wide?: boolean; hint?: string; min?: string; max?: string; inputMode?: 'numeric' | 'decimal' | 'text'; placeholder?: string;
}) {
  return (
    <label class={wide ? 'wide' : undefined}>
      {label}{required ? '（必填）' : ''}
      {/* preact types an input by its type; the attributes here suit all three types used */}
      <input {...({ type, name, value, ...rest } as JSX.IntrinsicElements["input"])} style={wide ? 'width:100%' : undefined} onInput={(e) => set(name, (e.target as HTMLInputElement).value)} />
      {hint && <span class="muted">{hint}</span>}
    </label>
  );
}
function Select({ label, name, value, set, options, wide }: { label: string; name: string; value: string; set: Setter; options: [string, string][]; wide?: boolean }) {
  return (
    <label class={wide ? 'wide' : undefined}>
      {label}
      <select name={name} value={value} style={wide ? 'width:100%' : undefined} onChange={(e) => set(name, (e.target as HTMLSelectElement).value)}>
        {options.map(([v, t]) => <option value={v}>{t}</option>)}
      </select>
    </label>
  );
}

type Refresh = (seen: (v: ProjectView) => boolean) => Promise<void>;

/**
 * The first problem among the fields, checked in the page before anything is sent: as the api
 * would refuse it (the same code, so the same Chinese sentence naming the field), or a field left empty.
 */
function firstProblem(checks: [boolean, () => Error][]): Error | null {
  return checks.find(([bad]) => bad)?.[1]() ?? null;
}
const missing = (field: string) => () => new Error(`请填写「${fieldName(field)}」`);
const refused = (code: string, field: string) => () => new ApiError(400, code, `${field} checked in the page`, field);
const isId = (s: string) => ID_PATTERN.test(s);
const isDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`));
function isYuan(amount: string): boolean {
  try {
    parseYuan(amount.trim(), 'amount');
    return true;
  } catch {
    return false;
  }
}

const suggestPaymentId = (projectId: string) => `${projectId.slice(0, 40)}-PAY-${Date.now().toString(36).toUpperCase()}`;

/** 报账: a payment request on one of the project's funding lines. */
function PaymentForm({ p, replaceable, gateDate, onDone }: { p: ProjectView; replaceable: ProjectPayment[]; gateDate: string; onDone: Refresh }) {
  const ruleSets = useContext(PaymentRules);
  const benefit = isBenefit(p.type);
  const started = p.milestones.some((m) => m.kind === 'started');
  const firstInstallment = benefit ? 'single' : !started ? 'advance' : p.acceptance === 'passed' ? 'final' : 'progress';
  const richest = [...p.funding].sort((a, b) => (fen(b.balance) > fen(a.balance) ? 1 : -1))[0];
  const [f, setF] = useState({
    paymentId: suggestPaymentId(p.projectId), allocationId: richest?.allocationId ?? '', payeeType: benefit ? 'household' : 'contractor', payeeId: '', payeeName: '',
    payeeAccount: '', amount: '', purpose: '', installment: firstInstallment, effectiveDate: gateDate, replacesPaymentId: '',
  });
  const set: Setter = (k, v) => setF((s) => ({ ...s, [k]: v }));
  const { busy, run, Outcome } = useSubmit();
  const payees = [...new Map(p.payments.map((x) => [`${x.payee.type}:${x.payee.id}`, x.payee])).values()];
  const fillPayee = (pe: Payee | undefined) => pe && setF((s) => ({ ...s, payeeType: pe.type, payeeId: pe.id, payeeName: pe.name, payeeAccount: pe.account }));
  // The same checks the api makes, explained before sending; the gates hint only, the api decides.
  const hint = (() => {
    const on = isDate(f.effectiveDate) ? f.effectiveDate : gateDate;
    const all = gatesOf(p, on, rulesOn(ruleSets, on));
    const g = all.byInstallment.find((i) => i.installment === (f.installment === 'single' && !benefit ? 'final' : f.installment));
    if (!g) return null;
    const unmet = [...all.common, ...g.gates].filter((x) => !x.met).map((x) => x.label);
    if (unmet.length) return `按 ${on}，尚未满足：${unmet.join('、')}（仍可提交，由系统裁定）`;
    // Within the line chosen: a payment draws on that one allocation only.
    const line = p.funding.find((l) => l.allocationId === f.allocationId);
    const max = line ? minFen(g.maxFen, fen(line.balance)) : g.maxFen;
    const over = isYuan(f.amount) && parseYuan(f.amount.trim(), 'amount') > max;
    return `按 ${on}，条件已满足，${line ? `从 ${line.allocationId} ` : ''}本笔最多 ${yuan(formatFen(max))} 元${over ? '；所填金额超过此数' : ''}`;
  })();
  const submit = (e: Event) => {
    e.preventDefault();
    const problem = firstProblem([
      [!f.paymentId.trim(), missing('paymentId')], [!isId(f.paymentId.trim()), refused('invalid_id', 'paymentId')],
      [!f.allocationId, missing('allocationId')],
      [!f.payeeId.trim(), missing('payee.id')], [!isId(f.payeeId.trim()), refused('invalid_id', 'payee.id')],
      [!f.payeeName.trim(), missing('payee.name')],
      [!f.payeeAccount.trim(), missing('payee.account')], [!ACCOUNT_PATTERN.test(f.payeeAccount.trim()), refused('invalid_field', 'payee.account')],
      [!f.amount.trim(), missing('amount')], [!isYuan(f.amount), refused('invalid_amount', 'amount')],
      [!f.purpose.trim(), missing('purpose')],
      [!isDate(f.effectiveDate), refused('invalid_date', 'effectiveDate')],
    ]);
    void run(problem, async () => {
      const body = {
        paymentId: f.paymentId.trim(), projectId: p.projectId, allocationId: f.allocationId,
        payee: { type: f.payeeType, id: f.payeeId.trim(), name: f.payeeName.trim(), account: f.payeeAccount.trim() },
        amount: formatFen(parseYuan(f.amount.trim(), 'amount')), purpose: f.purpose.trim(), installment: f.installment, effectiveDate: f.effectiveDate,
        ...(f.replacesPaymentId ? { replacesPaymentId: f.replacesPaymentId } : {}),
      };
      const r = await api.post<{ paymentId: string; amount: string; status: string }>('/payments', body);
      setF((s) => ({ ...s, paymentId: suggestPaymentId(p.projectId), amount: '', replacesPaymentId: '' }));
      await onDone((v) => v.paymentCount > p.paymentCount || v.payments.some((x) => x.paymentId === r.paymentId));
      return `已提交报账申请 ${r.paymentId}：${yuan(r.amount)} 元，状态“${nameOf(PAYMENT_STATUS_NAMES, r.status)}”，等待审核人审核。`;
    });
  };
  return (
    <form class="stack card" onSubmit={submit} aria-label="报账申请" data-testid="payment-form" noValidate>
      <Input label="支付编号" name="paymentId" value={f.paymentId} set={set} required hint="已自动生成，可修改；同一编号重复提交不会重复记账" />
      <Select label="资金安排（拨付）编号：所用资金" name="allocationId" value={f.allocationId} set={set} wide
        options={[['', '请选择'], ...p.funding.map((l): [string, string] => [l.allocationId, `${l.allocationId} · ${nameOf(SOURCE_NAMES, l.source)} ${l.fiscalYear} · 结余 ${yuan(l.balance)} 元`])]} />
      <Select label="支付类型（款项性质）" name="installment" value={f.installment} set={set}
        options={(benefit ? ['single'] : ['advance', 'progress', 'final', 'single']).map((k): [string, string] => [k, nameOf(INSTALLMENT_NAMES, k)])} />
      <Input label="金额（元）" name="amount" value={f.amount} set={set} required inputMode="decimal" placeholder="10000.00" />
      <Input label="业务日期（报账日期）" name="effectiveDate" value={f.effectiveDate} set={set} type="date" required max={todayInBeijing()} />
      <Input label="用途" name="purpose" value={f.purpose} set={set} required wide placeholder={benefit ? '如：义务教育阶段学生生活补助' : '如：机耕道硬化工程进度款'} />
      {payees.length > 0 && (
        <label class="wide">
          从本项目已有收款人中选择（可选）
          <select name="knownPayee" style="width:100%" onChange={(e) => fillPayee(payees.find((x) => `${x.type}:${x.id}` === (e.target as HTMLSelectElement).value))}>
            <option value="">—</option>
            {payees.map((x) => <option value={`${x.type}:${x.id}`}>{nameOf(PAYEE_TYPE_NAMES, x.type)} · {x.name}（{x.id}）</option>)}
          </select>
        </label>
      )}
      <Select label="收款人类型" name="payeeType" value={f.payeeType} set={set} options={Object.entries(PAYEE_TYPE_NAMES)} />
      <Input label={f.payeeType === 'household' ? '收款人编号（户编号）' : '收款人编号'} name="payeeId" value={f.payeeId} set={set} required />
      <Input label="收款人名称" name="payeeName" value={f.payeeName} set={set} required />
      <Input label="收款账号（银行卡或一卡通）" name="payeeAccount" value={f.payeeAccount} set={set} required inputMode="numeric" />
      {replaceable.length > 0 && (
        <Select label="被替代的支付编号：重新支付退票或追回的款项（可选）" name="replacesPaymentId" value={f.replacesPaymentId} wide
          set={(k, v) => (set(k, v), fillPayee(replaceable.find((x) => x.paymentId === v)?.payee))}
          options={[['', '不是重新支付'], ...replaceable.map((x): [string, string] => [x.paymentId, `${x.paymentId} · ${nameOf(PAYMENT_STATUS_NAMES, x.status)} · ${yuan(x.amount)} 元 · ${x.payee.name}`])]} />
      )}
      {hint && <p class="muted wide" data-testid="payment-hint">{hint}</p>}
      <div class="wide"><button type="submit" class="primary" disabled={busy}>{busy ? '正在提交…' : '提交报账申请'}</button></div>
      <div class="wide"><Outcome /></div>
    </form>
  );
}

/** The kind that naturally comes next for the project, as the form's first choice. */
function nextKind(p: ProjectView): string {
  const has = (k: string) => p.milestones.some((m) => m.kind === k);
  if (!has('approved')) return 'approved';
  if (!has('publicized') && !has('started')) return 'publicized';
  if (isBenefit(p.type)) return 'progress';
  if (!has('started')) return 'started';
  if (!has('completed')) return 'progress';
  if (p.acceptance !== 'passed') return 'accepted';
  return 'handed_over';
}

/** 里程碑: the fields each kind needs (立项 its 文号, 公示 its last day, 进度 its percent, 验收 its result). */
function MilestoneForm({ p, gateDate, onDone }: { p: ProjectView; gateDate: string; onDone: Refresh }) {
  const [f, setF] = useState({ milestoneId: '', kind: nextKind(p), date: gateDate, documentNo: '', publicUntil: '', percentComplete: '', result: 'passed', note: '' });
  const set: Setter = (k, v) => setF((s) => ({ ...s, [k]: v }));
  const { busy, run, Outcome } = useSubmit();
  const suggestedId = `${p.projectId.slice(0, 40)}-${f.kind}${f.kind === 'progress' && f.percentComplete ? `-${f.percentComplete}` : ''}-${f.date}`;
  const id = f.milestoneId.trim() || suggestedId;
  const submit = (e: Event) => {
    e.preventDefault();
    const pct = Number(f.percentComplete);
    const problem = firstProblem([
      [!isId(id), refused('invalid_id', 'milestoneId')],
      [!isDate(f.date), refused('invalid_date', 'date')],
      [f.kind === 'approved' && !f.documentNo.trim(), refused('document_required', 'documentNo')],
      [f.kind === 'publicized' && !f.publicUntil, refused('public_until_required', 'publicUntil')],
      [f.kind === 'publicized' && !isDate(f.publicUntil), refused('invalid_date', 'publicUntil')],
      [f.kind === 'publicized' && f.publicUntil < f.date, refused('public_until_before_date', 'publicUntil')],
      [f.kind === 'progress' && !(/^\d{1,3}$/.test(f.percentComplete) && pct >= 0 && pct <= 100), refused('invalid_percent', 'percentComplete')],
    ]);
    void run(problem, async () => {
      const body = {
        milestoneId: id, kind: f.kind, date: f.date,
        ...(f.documentNo.trim() ? { documentNo: f.documentNo.trim() } : {}),
        ...(f.kind === 'publicized' ? { publicUntil: f.publicUntil } : {}),
        ...(f.kind === 'progress' ? { percentComplete: pct } : {}),
        ...(f.kind === 'accepted' ? { result: f.result } : {}),
        ...(f.note.trim() ? { note: f.note.trim() } : {}),
      };
      const r = await api.post<{ kind: string; date: string; milestoneId: string }>(`/projects/${encodeURIComponent(p.projectId)}/milestones`, body);
      setF((s) => ({ ...s, milestoneId: '', note: '' }));
      await onDone((v) => v.milestones.some((m) => m.milestoneId === r.milestoneId));
      return `已记录里程碑“${nameOf(MILESTONE_NAMES, r.kind)}”（${r.date}，编号 ${r.milestoneId}）。`;
    });
  };
  return (
    <form class="stack card" onSubmit={submit} aria-label="记录里程碑" data-testid="milestone-form" noValidate>
      <Select label="类别（里程碑）" name="kind" value={f.kind} set={set} options={Object.entries(MILESTONE_NAMES).filter(([k]) => k !== 'proposed')} />
      <Input label="日期" name="date" value={f.date} set={set} type="date" required max={todayInBeijing()} />
      <Input label="环节编号" name="milestoneId" value={f.milestoneId} set={set} placeholder={suggestedId} hint="留空则用上面的建议编号" />
      {f.kind === 'approved' || f.kind === 'tendered' || f.kind === 'contracted' || f.kind === 'accepted'
        ? <Input label={f.kind === 'approved' ? '文号' : '文号（可选）'} name="documentNo" value={f.documentNo} set={set} required={f.kind === 'approved'} placeholder="县扶贫办〔2016〕3号" />
        : null}
      {f.kind === 'publicized' && <Input label="公示截止日期" name="publicUntil" value={f.publicUntil} set={set} type="date" required />}
      {f.kind === 'progress' && <Input label="完成进度（%）" name="percentComplete" value={f.percentComplete} set={set} type="number" required min="0" max="100" inputMode="numeric" />}
      {f.kind === 'accepted' && <Select label="验收结果" name="result" value={f.result} set={set} options={Object.entries(RESULT_NAMES)} />}
      <Input label="说明（可选）" name="note" value={f.note} set={set} wide placeholder="如：已完成0.4公里" />
      <div class="wide"><button type="submit" class="primary" disabled={busy}>{busy ? '正在提交…' : '记录里程碑'}</button></div>
      <div class="wide"><Outcome /></div>
    </form>
  );
}

/** An approved payment: the bank paid it (拨付), or returned it (退票). */
function SettleForms({ x, gateDate, onSettled }: { x: ProjectPayment; gateDate: string; onSettled: (paymentId: string) => Promise<void> }) {
  const [f, setF] = useState({ channel: x.payee.type === 'household' ? 'one_card' : 'treasury_direct', bankReference: '', date: gateDate < x.effectiveDate ? x.effectiveDate : gateDate,
    reason: '', failDate: gateDate < x.effectiveDate ? x.effectiveDate : gateDate });
  const set: Setter = (k, v) => setF((s) => ({ ...s, [k]: v }));
  const exec = useSubmit();
  const fail = useSubmit();
  const path = `/payments/${encodeURIComponent(x.paymentId)}`;
  return (
    <article class="card" data-payment={x.paymentId} aria-label={`支付 ${x.paymentId} 的拨付`}>
      <h3><a href={href(['payments', x.paymentId])}>{x.paymentId}</a> · {nameOf(INSTALLMENT_NAMES, x.installment)} <Money v={x.amount} /> 元 → {x.payee.name}</h3>
      <form class="stack" aria-label="记录拨付" data-testid="execution-form" noValidate onSubmit={(e) => {
        e.preventDefault();
        void exec.run(firstProblem([[!f.bankReference.trim(), missing('bankReference')], [!isDate(f.date), refused('invalid_date', 'effectiveDate')]]), async () => {
          await api.post(`${path}/execution`, { channel: f.channel, bankReference: f.bankReference.trim(), effectiveDate: f.date });
          await onSettled(x.paymentId);
          return `已记录拨付：${x.paymentId} 已通过${nameOf(CHANNEL_NAMES, f.channel)}支付 ${yuan(x.amount)} 元。`;
        });
      }}>
        <Select label="支付渠道" name="channel" value={f.channel} set={set} options={Object.entries(CHANNEL_NAMES)} />
        <Input label="银行流水号" name="bankReference" value={f.bankReference} set={set} required />
        <Input label="业务日期（银行记账日期）" name="date" value={f.date} set={set} type="date" required min={x.effectiveDate} max={todayInBeijing()} />
        <div><button type="submit" class="primary" disabled={exec.busy}>记录拨付</button></div>
        <div class="wide"><exec.Outcome /></div>
      </form>
      <form class="stack" aria-label="记录退票" data-testid="failure-form" noValidate onSubmit={(e) => {
        e.preventDefault();
        void fail.run(firstProblem([[!f.reason.trim(), missing('reason')], [!isDate(f.failDate), refused('invalid_date', 'effectiveDate')]]), async () => {
          await api.post(`${path}/failure`, { reason: f.reason.trim(), effectiveDate: f.failDate });
          await onSettled(x.paymentId);
          return `已记录退票：${x.paymentId} 的 ${yuan(x.amount)} 元已释放回资金安排，可重新支付。`;
        });
      }}>
        <Input label="原因（退票）" name="reason" value={f.reason} set={set} required placeholder="如：账户名与账号不符" />
        <Input label="业务日期（退票日期）" name="failDate" value={f.failDate} set={set} type="date" required min={x.effectiveDate} max={todayInBeijing()} />
        <div><button type="submit" disabled={fail.busy}>记录退票</button></div>
        <div class="wide"><fail.Outcome /></div>
      </form>
    </article>
  );
}

function Fact({ k, children }: { k: string; children: ComponentChildren }) {
  return <div class="figure"><div class="label">{k}</div><div class="value fact">{children}</div></div>;
}

/**
 * 项目: what the project is, where it stands (milestones), where its money came from and went,
 * what is left to pay and what the next payment needs; for the finance bureau, the forms that
 * move it on (报账, 里程碑, 拨付 / 退票).
 */
export function ProjectPage({ projectId, who }: { projectId: string; who: Principal }) {
  const basis = basisQuery();
  // The page of payments is part of the address (paymentsLimit, the api's 500 when absent), so a page can be linked to.
  const route = currentRoute().query;
  const paymentsOffset = route.get('paymentsOffset') ?? undefined;
  const paymentsLimit = route.get('paymentsLimit') ?? undefined;
  const query = { ...basis, paymentsOffset, paymentsLimit };
  const path = `/projects/${encodeURIComponent(projectId)}`;
  const view = useApi<ProjectView>(path, query);
  const rules = useApi<{ versions: PaymentRuleSet[] }>('/rule-sets/payments');
  const p = view.data;
  const clerk = who.role === 'finance';
  // What the clerk's forms act on is read from the project's whole list, not the page of payments shown: on a programme the
  // approved payments waiting to be paid and the failed or recovered ones to pay again may be on any page.
  // Oldest first: the longest waiting are the ones a clerk must not miss when there are more than a page holds.
  const ofStatus = (status: string) => ({ ...basis, projectId, status, sort: 'effectiveDate', limit: 500 });
  type Listed = { total: number; items: ProjectPayment[] };
  const approvedList = useApi<Listed>(clerk ? '/payments' : null, ofStatus('approved'));
  const failedList = useApi<Listed>(clerk ? '/payments' : null, ofStatus('failed'));
  const reversedList = useApi<Listed>(clerk ? '/payments' : null, ofStatus('reversed'));
  const reloadAll = () => {
    view.reload();
    approvedList.reload();
    failedList.reload();
    reversedList.reload();
  };
  const refresh: Refresh = async (seen) => {
    await untilSeen(path, query, seen);
    reloadAll();
  };
  // A settled payment has left the approved ones once its own view says so (it may be on no page shown).
  const settled = async (paymentId: string) => {
    await untilSeen<{ status: string }>(`/payments/${encodeURIComponent(paymentId)}`, basis, (v) => v.status !== 'approved');
    reloadAll();
  };
  const gateDate = basis.asOf ?? todayInBeijing();
  const approved = approvedList.data?.items ?? [];
  const replaceable = [...(failedList.data?.items ?? []), ...(reversedList.data?.items ?? [])];
  const pageSize = Number(paymentsLimit ?? PAYMENTS_PAGE) || PAYMENTS_PAGE;
  const unpaidBudget = p ? formatFen(fen(p.budget) - fen(p.held) - fen(p.paid)) : null;
  return (
    <PaymentRules.Provider value={rules.data?.versions ?? DEFAULT_PAYMENT_RULES}>
      <h1>项目 · {p ? p.name : projectId}</h1>
      {p && <p class="sub">{p.projectId} · {nameOf(PROJECT_TYPE_NAMES, p.type)}类{isBenefit(p.type) ? '（惠民项目）' : '（工程项目）'} · 金额单位：元</p>}
      <BasisBar basis={p?.basis} />
      <ExportButtons path={path} query={basis} what="项目" />
      <ErrorBox error={view.error} />
      {view.loading && !p && <Loading what="项目" />}
      {p && (
        <>
          <div class="figures" data-testid="project-facts">
            <Fact k="类型">{nameOf(PROJECT_TYPE_NAMES, p.type)}</Fact>
            <Fact k="所在单位">{p.unitCode}</Fact>
            <Fact k="实施单位">{p.implementer}</Fact>
            <Fact k="预算（元）"><span data-testid="budget">{yuan(p.budget)}</span></Fact>
            <Fact k="计划工期">{p.plannedStart} 至 {p.plannedEnd}</Fact>
            <Fact k="阶段"><span data-testid="stage">{nameOf(MILESTONE_NAMES, p.stage)}</span></Fact>
            <Fact k="完成进度"><span data-testid="percent">{p.percentComplete}%</span></Fact>
            <Fact k="验收">{p.acceptance ? nameOf(RESULT_NAMES, p.acceptance) : '尚未验收'}</Fact>
          </div>

          <Section title="资金（全部资金安排合计）">
            <Figures values={p} names={PROJECT_FIGURES} />
          </Section>

          <Section title="还可支付多少">
            <div class="figures" data-testid="left-to-pay">
              <div class="figure" data-figure="left-balance"><div class="label">结余：已安排资金中尚可支付（元）</div><div class="value">{yuan(p.balance)}</div></div>
              <div class="figure" data-figure="left-budget"><div class="label">预算中尚未申请（元）</div><div class="value">{yuan(unpaidBudget)}</div></div>
              <div class="figure"><div class="label">冻结在途：已申请未拨付（元）</div><div class="value">{yuan(p.held)}</div></div>
            </div>
          </Section>

          <Section title={`下一笔支付需要什么（截至 ${gateDate}）`}>
            <Gates p={p} on={gateDate} />
          </Section>

          <Section title="里程碑">
            {p.milestones.length === 0 ? <p class="muted">尚无里程碑（申报阶段）</p> : (
              <ul class="timeline" data-testid="timeline">
                {p.milestones.map((m) => (
                  <li key={m.milestoneId} data-kind={m.kind} data-milestone={m.milestoneId}>
                    <strong>{nameOf(MILESTONE_NAMES, m.kind)}</strong> {m.date}
                    {m.documentNo && <> · 文号 {m.documentNo}</>}
                    {m.publicUntil && <> · 公示至 {m.publicUntil}</>}
                    {m.percentComplete !== null && <> · 完成 {m.percentComplete}%</>}
                    {m.result && <> · 验收{nameOf(RESULT_NAMES, m.result)}</>}
                    {m.note && <> · {m.note}</>}
                    <div class="muted">记录于 {instant(m.recordedAt)}（北京时间） · 编号 {m.milestoneId}</div>
                  </li>
                ))}
              </ul>
            )}
          </Section>

          <Section title="资金安排（按分配）">
            <Table rows={p.funding} rowKey={(l) => l.allocationId} columns={[
              { label: '分配编号', cell: (l) => l.allocationId },
              { label: '来源', cell: (l) => nameOf(SOURCE_NAMES, l.source) },
              { label: '年度', cell: (l) => l.fiscalYear },
              { label: '资金批次', cell: (l) => <a href={href(['flow', l.rootBatchId])}>{l.batchId}</a> },
              { label: '安排', num: true, cell: (l) => <Money v={l.committed} /> },
              { label: '退回', num: true, cell: (l) => <Money v={l.returned} /> },
              { label: '冻结在途', num: true, cell: (l) => <Money v={l.held} /> },
              { label: '已支付', num: true, cell: (l) => <Money v={l.paid} /> },
              { label: '结余', num: true, cell: (l) => <span data-allocation={l.allocationId}><Money v={l.balance} /></span> },
            ]} />
          </Section>
          <Section title="资金安排（按来源）">
            <Table rows={p.fundingBySource} rowKey={(l) => l.source} columns={[
              { label: '来源', cell: (l) => nameOf(SOURCE_NAMES, l.source) },
              { label: '安排', num: true, cell: (l) => <Money v={l.committed} /> },
              { label: '退回', num: true, cell: (l) => <Money v={l.returned} /> },
              { label: '冻结在途', num: true, cell: (l) => <Money v={l.held} /> },
              { label: '已支付', num: true, cell: (l) => <Money v={l.paid} /> },
              { label: '结余', num: true, cell: (l) => <Money v={l.balance} /> },
            ]} />
          </Section>

          <Section title={`支付（共 ${p.paymentCount} 笔${p.payments.length === 0 && p.paymentsOffset > 0 ? '，此页之后没有更多'
            : p.paymentCount > p.payments.length ? `，本页第 ${p.paymentsOffset + 1}–${p.paymentsOffset + p.payments.length} 笔` : ''}）`}>
            <Table rows={p.payments} rowKey={(x) => x.paymentId} columns={[
              { label: '支付编号', cell: (x) => <a href={href(['payments', x.paymentId])} data-payment-link={x.paymentId}>{x.paymentId}</a> },
              { label: '状态', cell: (x) => <span data-status={x.status}>{nameOf(PAYMENT_STATUS_NAMES, x.status)}{x.migrated && <> <span class="badge" data-migrated="true" title={nameOf(MIGRATED_NAMES, true)}>旧系统迁移</span></>}</span> },
              { label: '款项性质', cell: (x) => nameOf(INSTALLMENT_NAMES, x.installment) },
              { label: '金额', num: true, cell: (x) => <Money v={x.amount} /> },
              { label: '收款人', cell: (x) => `${nameOf(PAYEE_TYPE_NAMES, x.payee.type)} · ${x.payee.name}` },
              { label: '账号', cell: (x) => x.payee.account },
              { label: '报账日期', cell: (x) => x.effectiveDate },
            ]} />
            {(p.paymentsOffset > 0 || p.paymentsNextOffset !== null) && (
              <p class="row no-print" data-testid="payments-pager">
                {p.paymentsOffset > 0 && <button type="button" onClick={() => setQuery({ paymentsOffset: p.paymentsOffset > pageSize ? String(p.paymentsOffset - pageSize) : null })}>上一页</button>}
                {p.paymentsNextOffset !== null && <button type="button" onClick={() => setQuery({ paymentsOffset: String(p.paymentsNextOffset) })}>下一页</button>}
              </p>
            )}
          </Section>

          {clerk && (
            <div class="no-print">
              {approved.length > 0 && (
                <Section title={`已审核、待拨付（共 ${approvedList.data?.total ?? approved.length} 笔${(approvedList.data?.total ?? 0) > approved.length ? `，显示最早的 ${approved.length} 笔` : ''}）`}>
                  {approved.map((x) => <SettleForms key={x.paymentId} x={x} gateDate={gateDate} onSettled={settled} />)}
                </Section>
              )}
              <Section title="报账申请">
                <PaymentForm key={p.projectId} p={p} replaceable={replaceable} gateDate={gateDate} onDone={refresh} />
              </Section>
              <Section title="记录里程碑">
                <MilestoneForm p={p} gateDate={gateDate} onDone={refresh} />
              </Section>
            </div>
          )}
        </>
      )}
    </PaymentRules.Provider>
  );
}

const PAGE_SIZES = ['20', '50', '100'];
const SORTS: [string, string][] = [
  ['projectId', '按编号'], ['name', '按名称'], ['-budget', '按预算（从大到小）'], ['budget', '按预算（从小到大）'], ['-plannedStart', '按计划开工（从新到旧）'], ['plannedStart', '按计划开工（从旧到新）'],
];

/** 项目列表: the projects in the reader's region, filtered by unit, type, stage (as of the basis) and year. */
export function ProjectListPage(_: { who: Principal }) {
  const basis = basisQuery();
  const q = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const filters = { unitCode: q.get('unitCode') ?? '', type: q.get('type') ?? '', stage: q.get('stage') ?? '', year: q.get('year') ?? '', sort: q.get('sort') ?? 'projectId',
    limit: q.get('limit') ?? '20' };
  const offset = Number(q.get('offset') ?? '0') || 0;
  const list = useApi<{ basis: Basis; total: number; limit: number; offset: number; nextOffset: number | null; items: ProjectRow[] }>('/projects',
    { ...basis, ...filters, offset });
  const [f, setF] = useState(filters);
  const set: Setter = (k, v) => setF((s) => ({ ...s, [k]: v }));
  const d = list.data;
  const apply = (e: Event) => {
    e.preventDefault();
    setQuery({ ...f, offset: null });
  };
  return (
    <>
      <h1>项目</h1>
      <BasisBar basis={d?.basis} />
      <ExportButtons path="/projects" query={{ ...basis, ...filters, limit: undefined }} what="项目列表（全部筛选结果）" />
      <form class="stack card no-print" onSubmit={apply} aria-label="筛选项目">
        <Input label="单位代码（12位，默认本人辖区）" name="unitCode" value={f.unitCode} set={set} inputMode="numeric" />
        <Select label="类型" name="type" value={f.type} set={set} options={[['', '全部类型'], ...Object.entries(PROJECT_TYPE_NAMES)]} />
        <Select label="阶段" name="stage" value={f.stage} set={set} options={[['', '全部阶段'], ...Object.entries(MILESTONE_NAMES)]} />
        <Input label="计划开工年度" name="year" value={f.year} set={set} inputMode="numeric" placeholder="2016" />
        <Select label="排序" name="sort" value={f.sort} set={set} options={SORTS} />
        <Select label="每页" name="limit" value={f.limit} set={set} options={PAGE_SIZES.map((n): [string, string] => [n, `${n} 个`])} />
        <div><button type="submit" class="primary">筛选</button></div>
      </form>
      <ErrorBox error={list.error} />
      {list.loading && !d && <Loading what="项目" />}
      {d && (
        <>
          <p data-testid="project-total">共 {d.total} 个项目{d.total > 0 ? `，显示第 ${d.offset + 1}–${d.offset + d.items.length} 个` : ''}</p>
          <Table rows={d.items} rowKey={(r) => r.projectId} columns={[
            { label: '编号', cell: (r) => <a href={href(['projects', r.projectId])}>{r.projectId}</a> },
            { label: '名称', cell: (r) => <a href={href(['projects', r.projectId])}>{r.name}</a> },
            { label: '类型', cell: (r) => nameOf(PROJECT_TYPE_NAMES, r.type) },
            { label: '单位', cell: (r) => r.unitCode },
            { label: '实施单位', cell: (r) => r.implementer },
            { label: '预算', num: true, cell: (r) => <Money v={r.budget} /> },
            { label: '计划开工', cell: (r) => r.plannedStart },
            { label: '计划完工', cell: (r) => r.plannedEnd },
            { label: '阶段', cell: (r) => nameOf(MILESTONE_NAMES, r.stage) },
          ]} />
          <OffsetPager page={d} />
        </>
      )}
    </>
  );
}
